#!/bin/bash
# test_imap - IMAP APPEND and LMTP into a real Dovecot (Debian's
# dovecot-imapd and dovecot-lmtpd), started here with a throwaway config
# on 127.0.0.1, users in a passwd-file, a self-signed test CA made by
# openssl.  APPEND lands in the folder without \Seen (checked over IMAP
# with Python's imaplib); STARTTLS and imaps with verified certificates;
# a missing folder, a wrong password and a password file others can read
# are temporary failures (the message stays queued).  Ports: block 30-39.
HERE_=$(cd "$(dirname "$0")" && pwd)
. "$HERE_/../../cli/lib.sh" "$@"
. "$HERE_/lib.sh"

if [ "$(id -u)" != 0 ] || ! command -v dovecot >/dev/null ||
    [ ! -x /usr/lib/dovecot/lmtp ]; then
	echo "skipped: needs root, dovecot-imapd and dovecot-lmtpd"
	done_
fi
P_IMAP=$(port 30) P_IMAPS=$(port 31) P_LMTP=$(port 32)
chmod 755 "$T"
D=$T/dovecot
mkdir -p "$D/run" "$D/state" "$D/home" "$T/pki"

# --- PKI ------------------------------------------------------------------
( cd "$T/pki" &&
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout ca.key -out ca.pem -days 2 -subj "/CN=Test CA" 2>/dev/null &&
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
    -keyout srv.key -out srv.csr -subj "/CN=localhost" 2>/dev/null &&
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >srv.ext &&
openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
    -out srv.pem -days 2 -extfile srv.ext 2>/dev/null )
check "test PKI made" test -s "$T/pki/srv.pem"

# --- Dovecot ----------------------------------------------------------------
printf 'help@example.net:{PLAIN}s3cret::::::\n' >"$D/passwd"
chown -R nobody:nogroup "$D/home"
cat >"$D/dovecot.conf" <<CONF
base_dir = $D/run
state_dir = $D/state
log_path = $D/dovecot.log
instance_name = scrubgate-delivery-test-$PORT_BASE
protocols = imap lmtp
listen = 127.0.0.1
ssl = yes
ssl_cert = <$T/pki/srv.pem
ssl_key = <$T/pki/srv.key
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = dovenull
default_internal_user = dovecot
mail_location = maildir:~/Maildir
passdb {
  driver = passwd-file
  args = scheme=PLAIN $D/passwd
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$D/home/%u
}
service imap-login {
  inet_listener imap {
    port = $P_IMAP
  }
  inet_listener imaps {
    port = $P_IMAPS
    ssl = yes
  }
}
service lmtp {
  inet_listener lmtp {
    port = $P_LMTP
  }
}
protocol lmtp {
  auth_username_format = %Lu
}
CONF
dovecot -c "$D/dovecot.conf" 2>>"$T/dovecot.err"
wait_for 10 test -s "$D/run/master.pid"
SRV[dovecot]=$(cat "$D/run/master.pid" 2>/dev/null)
wait_for 10 listening "$P_IMAP" && wait_for 10 listening "$P_LMTP"
check "dovecot started" test -n "${SRV[dovecot]}"

printf 's3cret\n' >"$T/pw" && chmod 600 "$T/pw"
printf 'wrong\n' >"$T/pw.bad" && chmod 600 "$T/pw.bad"
printf 's3cret\n' >"$T/pw.open" && chmod 644 "$T/pw.open"
u=help%40example.net
route() {	# NAME URL TLS PWFILE
	printf '\n[route %s]\nnext_hop = %s\ntls = %s\nca_file = %s\n' \
	    "$1" "$2" "$3" "$T/pki/ca.pem"
	[ -z "$4" ] || printf 'password_file = %s\n' "$4"
}
write_conf "$(route plain "imap://$u@127.0.0.1:$P_IMAP/INBOX" none "$T/pw")
$(route starttls "imap://$u@localhost:$P_IMAP/INBOX" required "$T/pw")
$(route imaps "imaps://$u@127.0.0.1:$P_IMAPS" required "$T/pw")
$(route nofolder "imap://$u@127.0.0.1:$P_IMAP/Nonexistent" none "$T/pw")
$(route badpw "imap://$u@127.0.0.1:$P_IMAP/INBOX" none "$T/pw.bad")
$(route openpw "imap://$u@127.0.0.1:$P_IMAP/INBOX" none "$T/pw.open")
$(route lmtp "lmtp://127.0.0.1:$P_LMTP" none "")"
queue >/dev/null

declare -A ID
for r in plain starttls imaps nofolder badpw openpw lmtp; do
	ID[$r]=$(testmsg "subject-$r" | inject ann@example.org help@example.net --route $r)
done
run queue flush

for r in plain starttls imaps lmtp; do
	check "$r: sent" grep -Eq "${ID[$r]}: .*status=sent" "$T/log"
	check "$r: removed" test ! -e "$T/spool/queue/${ID[$r]}"
done
check "starttls: log says TLS" grep -Eq "${ID[starttls]}: .*tls=TLS.*status=sent" "$T/log"
check "nofolder: deferred" grep -Eq "${ID[nofolder]}: .*status=deferred \(451 4\.3\.0 .*APPEND to Nonexistent failed" "$T/log"
check "badpw: deferred" grep -Eq "${ID[badpw]}: .*status=deferred \(451 4\.7\.0 .*login failed" "$T/log"
check "openpw: refused" grep -Eq "${ID[openpw]}: .*status=deferred \(451 4\.3\.5 .*readable by group or others" "$T/log"
check "three still queued" test "$(count "$T/spool/queue")" = 3

# what is in the mailbox, seen from an IMAP client
run python3 - "$P_IMAP" <<'PY'
import imaplib, sys
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[1]))
m.login("help@example.net", "s3cret")
m.select("INBOX", readonly=True)
typ, data = m.search(None, "ALL")
for n in data[0].split():
    typ, d = m.fetch(n, "(FLAGS BODY.PEEK[])")
    flags = d[0][0].decode()
    body = d[0][1]
    subj = [l for l in body.split(b"\r\n") if l.startswith(b"Subject:")][0].decode()
    print(subj, "SEEN" if "\\Seen" in flags else "UNSEEN",
          "BODY-OK" if b"\r\nline one\r\n.leading dot\r\nFrom the start" in body else "BODY-BAD")
m.logout()
PY
check "four messages in INBOX" test "$(grep -c '^Subject: subject-' <<<"$out")" = 4
check "appended without \\Seen" bash -c "! grep -q ' SEEN' <<<'$out'"
check "bytes intact (dot line, From line)" bash -c "! grep -q BODY-BAD <<<'$out'"
check "each route arrived" bash -c "for r in plain starttls imaps lmtp; do grep -q \"subject-\$r UNSEEN\" <<<'$out' || exit 1; done"
done_
