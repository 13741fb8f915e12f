#!/bin/bash
# test_tls - outbound TLS: STARTTLS with a test CA made here by openssl,
# the chain verified and the host name checked.  A verified success;
# a wrong host name, an untrusted CA, a next hop without STARTTLS and a
# STARTTLS reply with smuggled bytes are all refused: the message stays
# queued and never goes in clear (the peer's command log shows no MAIL
# in plain text).  smtps:// to an IP literal in the certificate.
# With concurrency 1 one delivery process takes the whole queue: three
# messages to one hop share one verified connection (RSET between them).
# Ports: block 10-19.
HERE_=$(cd "$(dirname "$0")" && pwd)
. "$HERE_/../../cli/lib.sh" "$@"
. "$HERE_/lib.sh"

P_OK=$(port 10) P_WRONG=$(port 11) P_UNTRUSTED=$(port 12) P_NOTLS=$(port 13)
P_SMTPS=$(port 14) P_INJECT=$(port 15)

# --- a test CA, a server certificate for localhost / 127.0.0.1, one for
# another name, and a second CA nobody trusts
mkdir -p "$T/pki" && cd "$T/pki" || exit 2
mkca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	    -keyout "$1.key" -out "$1.pem" -days 2 -subj "/CN=$1" 2>/dev/null
}
mkcert() {	# NAME CA SAN
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	    -keyout "$1.key" -out "$1.csr" -subj "/CN=$1" 2>/dev/null &&
	printf 'subjectAltName=%s\n' "$3" >"$1.ext" &&
	openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" \
	    -CAcreateserial -out "$1.pem" -days 2 -extfile "$1.ext" 2>/dev/null
}
mkca ca && mkca otherca &&
mkcert good ca "DNS:localhost,IP:127.0.0.1" &&
mkcert wrong ca "DNS:wrong.test" &&
mkcert untrusted otherca "DNS:localhost,IP:127.0.0.1"
check "test PKI made" test -s good.pem -a -s wrong.pem -a -s untrusted.pem
cd "$T" || exit 2

route() {	# NAME URL [ca]
	printf '\n[route %s]\nnext_hop = %s\nca_file = %s\n' "$1" "$2" \
	    "${3:-$T/pki/ca.pem}"
}
write_conf "concurrency = 1
$(route ok smtp://localhost:$P_OK)
$(route wrong smtp://localhost:$P_WRONG)
$(route untrusted smtp://localhost:$P_UNTRUSTED)
$(route notls smtp://localhost:$P_NOTLS)
$(route smtps smtps://127.0.0.1:$P_SMTPS)
$(route inject smtp://localhost:$P_INJECT)
$(route system smtp://localhost:$P_OK /nonexistent-ca.pem)"
queue >/dev/null

start_peer ok --port "$P_OK" --cert pki/good.pem --key pki/good.key
start_peer wrong --port "$P_WRONG" --cert pki/wrong.pem --key pki/wrong.key
start_peer untrusted --port "$P_UNTRUSTED" --cert pki/untrusted.pem --key pki/untrusted.key
start_peer notls --port "$P_NOTLS"
start_peer smtps --port "$P_SMTPS" --cert pki/good.pem --key pki/good.key --smtps
start_peer inject --port "$P_INJECT" --cert pki/good.pem --key pki/good.key --inject

# no MAIL/RCPT/DATA ever in plain text at a peer
never_clear() { ! grep -Eq '^plain (MAIL|RCPT|DATA)' "$T/$1/commands.log" 2>/dev/null; }

id_ok=$(testmsg ok | inject ann@example.org help@example.net --route ok)
testmsg ok2 | inject ann@example.org help@example.net --route ok >/dev/null
testmsg ok3 | inject ann@example.org help@example.net --route ok >/dev/null
id_wrong=$(testmsg wrong | inject ann@example.org help@example.net --route wrong)
id_untr=$(testmsg untrusted | inject ann@example.org help@example.net --route untrusted)
id_notls=$(testmsg notls | inject ann@example.org help@example.net --route notls)
id_smtps=$(testmsg smtps | inject ann@example.org help@example.net --route smtps)
id_inj=$(testmsg inject | inject ann@example.org help@example.net --route inject)
id_sys=$(testmsg system | inject ann@example.org help@example.net --route system)
run queue flush

# verified success
check "verified: delivered" test "$(count "$T/ok")" = 4	# + commands.log
check "verified: one connection for three messages" bash -c "[ \$(grep -c '^tls MAIL' '$T/ok/commands.log') = 3 ] && [ \$(grep -c '^tls EHLO' '$T/ok/commands.log') = 1 ] && [ \$(grep -c '^tls RSET' '$T/ok/commands.log') = 2 ]"
check "verified: peer saw TLS" grep -q "X-Peer-TLS: yes" "$T"/ok/msg.1.eml
check "verified: STARTTLS then EHLO again" bash -c "grep -q '^plain STARTTLS' '$T/ok/commands.log' && grep -q '^tls EHLO' '$T/ok/commands.log'"
check "verified: never in clear" never_clear ok
check "verified: log names the TLS version" grep -Eq "$id_ok: .*tls=TLSv1\.[23] .*status=sent" "$T/log"
check "verified: removed" test ! -e "$T/spool/queue/$id_ok"

# wrong host name
check "wrong name: deferred" grep -Eq "$id_wrong: .*status=deferred \(451 4\.7\.5 .*(certificate verification failed|hostname mismatch|Hostname mismatch)" "$T/log"
check "wrong name: still queued" test -e "$T/spool/queue/$id_wrong"
check "wrong name: nothing sent" never_clear wrong
check "wrong name: no message" test ! -e "$T/wrong/msg.1.eml"

# untrusted CA
check "untrusted: deferred" grep -Eq "$id_untr: .*status=deferred \(451 4\.7\.5 .*certificate verification failed" "$T/log"
check "untrusted: still queued" test -e "$T/spool/queue/$id_untr"
check "untrusted: nothing sent" never_clear untrusted

# no STARTTLS at the next hop
check "no STARTTLS: deferred" grep -Eq "$id_notls: .*status=deferred \(451 4\.7\.4 .*does not offer STARTTLS" "$T/log"
check "no STARTTLS: still queued" test -e "$T/spool/queue/$id_notls"
check "no STARTTLS: nothing sent" never_clear notls

# smtps to an IP literal
check "smtps: delivered" test -e "$T/smtps/msg.1.eml"
check "smtps: removed" test ! -e "$T/spool/queue/$id_smtps"

# bytes smuggled after the STARTTLS reply
check "injection: deferred" grep -Eq "$id_inj: .*status=deferred \(451 4\.7\.5 .*before the TLS handshake" "$T/log"
check "injection: still queued" test -e "$T/spool/queue/$id_inj"
check "injection: nothing sent" never_clear inject

# a CA file that cannot be read: refused, not "no verification"
check "bad ca_file: deferred" grep -Eq "$id_sys: .*status=deferred \(451 4\.7\.5 .*cannot load CA" "$T/log"

run queue
check "queue list: the five refused" test "$(grep -c '^[0-9A-F]' <<<"$out")" = 5
done_
