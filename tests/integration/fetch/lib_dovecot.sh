# lib_dovecot.sh - a throwaway Dovecot for the fetch tests, sourced after
# tests/cli/lib.sh as
#
#   . "$TOP/tests/integration/fetch/lib_dovecot.sh" N
#
# which moves the test to a fresh work dir ($T, under /tmp/sg-doors-fetch.*),
# sets IMAP_PORT=33140+N and IMAPS_PORT=33990+N (plus $TEST_PORT_OFFSET),
# traps EXIT to kill FETCH_PID (-9) and PEER_PID when the test set them,
# stop Dovecot and remove $T (kept with KEEP=1), then sets Dovecot up and
# starts it (two checks; the test ends when it does not start).
#
#   dovecot_setup            CA + server certificate (openssl), config,
#                            user "support" (passwd-file), Maildir homes
#                            under $T/home owned by nobody
#   dovecot_start / _stop    by PID (DOVECOT_PID), waits for the port
#   imap_save USER FOLDER FILE    doveadm save (creates FOLDER)
#   imap_count USER FOLDER [SEARCH...]   number of messages (doveadm search)
#   sg_conf FILE ACCOUNT-LINES...  a scrubgate config with a Maildir next
#                            hop ($T/out), the store in $T/store and one
#                            [account support] with the given lines;
#                            SG_NEXT_HOP and SG_ROUTE_LINES (one per line)
#                            replace the next hop, SG_STORE the store dir
#   out_count                messages delivered to $T/out
#   msg FILE ID [BODY]       a small message with Message-ID <ID@test>
#   imap_flag_seen USER FOLDER ID   \Seen on the message <ID@test>, as a
#                            person reading it would set it
# Needs root (dovecot drops to nobody for mail); skips otherwise.

rmdir "$T" && T=$(mktemp -d /tmp/sg-doors-fetch.XXXXXX) && cd "$T" || exit 2
IMAP_PORT=$((33140 + $1 + ${TEST_PORT_OFFSET:-0}))
IMAPS_PORT=$((33990 + $1 + ${TEST_PORT_OFFSET:-0}))
D=$T/dovecot
DOVECOT_PID= FETCH_PID= PEER_PID=

if [ "$(id -u)" != 0 ] || ! command -v dovecot >/dev/null || ! command -v doveadm >/dev/null; then
	echo "skipped: needs root and Debian's dovecot-imapd"
	done_
fi
chmod 755 "$T"

dovecot_setup() {
	mkdir -p "$D/run" "$D/state" "$T/home" "$T/out" "$T/store"
	chown nobody:nogroup "$T/home"
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=scrubgate test CA" \
		-keyout "$D/ca.key" -out "$D/ca.pem" >/dev/null 2>&1 || return 1
	openssl req -newkey rsa:2048 -nodes -subj "/CN=127.0.0.1" \
		-keyout "$D/server.key" -out "$D/server.csr" >/dev/null 2>&1 || return 1
	printf 'subjectAltName = IP:127.0.0.1, DNS:localhost\n' >"$D/san.ext"
	openssl x509 -req -in "$D/server.csr" -CA "$D/ca.pem" -CAkey "$D/ca.key" \
		-CAcreateserial -days 2 -extfile "$D/san.ext" -out "$D/server.pem" >/dev/null 2>&1 || return 1
	# a second CA that did not sign the server: must be refused
	openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=other CA" \
		-keyout "$D/other.key" -out "$D/other.pem" >/dev/null 2>&1 || return 1
	echo "support:{PLAIN}s3cret-pw::::::" >"$D/passwd"
	cat >"$D/dovecot.conf" <<EOF
base_dir = $D/run
state_dir = $D/state
log_path = $D/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = yes
ssl_cert = <$D/server.pem
ssl_key = <$D/server.key
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = no
auth_mechanisms = plain login
default_login_user = dovenull
default_internal_user = dovecot
mail_location = maildir:$T/home/%u/Maildir
first_valid_uid = 1
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u $D/passwd
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=$T/home/%u
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $IMAP_PORT
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $IMAPS_PORT
    ssl = yes
  }
}
service anvil {
  chroot =
}
service imap-login {
  chroot =
}
protocol imap {
  imap_idle_notify_interval = 2 mins
}
EOF
	printf 's3cret-pw\n' >"$T/imap.pw"
	chmod 600 "$T/imap.pw"
}

# port_open PORT
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

dovecot_start() {
	local i
	dovecot -c "$D/dovecot.conf" || return 1
	for i in $(seq 100); do
		DOVECOT_PID=$(cat "$D/run/master.pid" 2>/dev/null)
		[ -n "$DOVECOT_PID" ] && port_open "$IMAP_PORT" && port_open "$IMAPS_PORT" && return 0
		sleep 0.1
	done
	return 1
}

dovecot_stop() {
	local pid=${DOVECOT_PID:-$(cat "$D/run/master.pid" 2>/dev/null)} i
	[ -n "$pid" ] || return 0
	kill "$pid" 2>/dev/null
	for i in $(seq 100); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null
	DOVECOT_PID=
}

imap_save() {
	[ "$2" = INBOX ] || doveadm -c "$D/dovecot.conf" mailbox create -u "$1" "$2" 2>/dev/null
	doveadm -c "$D/dovecot.conf" save -u "$1" -m "$2" <"$3"
}
imap_count() {
	local u=$1 f=$2
	shift 2
	doveadm -c "$D/dovecot.conf" search -u "$u" mailbox "$f" "${@:-ALL}" 2>/dev/null | wc -l
}

# sg_conf FILE LINE... - the scrubgate config, account lines appended
sg_conf() {
	local f=$1
	shift
	{
		printf '[recipients]\ncc_allow = ok.example\n\n[attachments]\n.exe = reject\n\n'
		printf '[route helpdesk]\nmailboxes = help@example.net\nnext_hop = %s\n%s\n' \
			"${SG_NEXT_HOP:-maildir:$T/out}" "${SG_ROUTE_LINES:-}"
		printf '[store]\ndatabase = %s/tickets.db\npseudonym_key = %s/pseudonym.key\n\n' \
			"${SG_STORE:-$T/store}" "${SG_STORE:-$T/store}"
		printf '[delivery]\nspool = %s/spool\n\n' "$T"
		printf '[account support]\nhost = 127.0.0.1\nuser = support\npassword_file = %s/imap.pw\nroute = helpdesk\n' "$T"
		printf '%s\n' "$@"
	} >"$f"
}

# imap_flag_seen USER FOLDER ID
imap_flag_seen() {
	doveadm -c "$D/dovecot.conf" flags add -u "$1" '\Seen' mailbox "$2" header message-id "<$3@test>"
}

out_count() { find "$T/out/new" "$T/out/cur" -type f 2>/dev/null | wc -l; }

# msg FILE ID [BODY]
msg() {
	printf 'From: Ann <ann@example.org>\nTo: help@example.net\nSubject: %s\nMessage-ID: <%s@test>\n\n%s\n' \
		"$2" "$2" "${3:-Please call me at +44 20 7946 0958 or mail ann.private@example.org.}" >"$1"
}

trap '[ -n "$FETCH_PID" ] && kill -9 "$FETCH_PID" 2>/dev/null; [ -n "$PEER_PID" ] && kill "$PEER_PID" 2>/dev/null; dovecot_stop; [ -n "${KEEP:-}" ] || rm -rf "$T"' EXIT
trap 'exit 1' INT TERM
check "test CA and Dovecot config made" dovecot_setup
check "dovecot starts" dovecot_start
[ -n "$DOVECOT_PID" ] || done_
