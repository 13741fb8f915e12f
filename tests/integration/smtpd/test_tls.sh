#!/bin/bash
# test_tls - STARTTLS inbound: a test CA made here with openssl, the
# client verifies the server's certificate (name localhost), TLS 1.2 or
# later only; commands pipelined after STARTTLS in the same packet are
# discarded (CVE-2011-0411 class); a bad certificate is a config error.
D=$(cd "$(dirname "$0")" && pwd)
. "$D/../../cli/lib.sh" "$@"
TEST_PORT_OFFSET=$((${TEST_PORT_OFFSET:-0} + 10))
. "$D/lib.sh"

# the test CA and a server certificate for localhost
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 \
	-subj "/CN=scrubgate test CA" >/dev/null 2>&1
openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr \
	-subj "/CN=localhost" >/dev/null 2>&1
printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\n' >san.ext
openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial \
	-out srv.pem -days 2 -extfile san.ext >/dev/null 2>&1
check "test CA and server certificate made" test -s srv.pem

P=$(port 1)
write_conf gw.conf "$P" "tls_cert = srv.pem
tls_key = srv.key"
start_gw gw.conf "$P" || { bad "gateway starts with TLS"; done_; }

printf 'Subject: tls\r\n\r\nover TLS, card 4111 1111 1111 1111\r\n' >m.eml
run smtp tls "$P" ca.pem m.eml
check "STARTTLS with a verified certificate, TLS 1.2+" grep -Eq '^TLSv1\.[23]$' .out
check "message over TLS accepted" grep -q '^250 2.0.0 Ok: queued as' .out
check "delivered" wait_for 20 delivered 1
f=$(ls Maildir/new/* 2>/dev/null | head -n 1)
check "Received says ESMTPS" grep -q 'with ESMTPS;' "$f"

run smtp inject "$P" ca.pem
check "STARTTLS answered 220" grep -q '^220 2.0.0 Ready to start TLS' .out
check "commands injected before the handshake are discarded" grep -q "^unasked: b''$" .out
check "after TLS the session works" grep -q '^noop: 250 2.0.0 Ok' .out

if openssl s_client -help 2>&1 | grep -q -- '-tls1_1'; then
	echo QUIT | timeout 10 openssl s_client -starttls smtp -connect 127.0.0.1:"$P" \
		-tls1_1 >s11.out 2>&1
	check "TLS 1.1 refused" grep -q 'Cipher is (NONE)' s11.out
fi
echo QUIT | timeout 10 openssl s_client -starttls smtp -connect 127.0.0.1:"$P" \
	-CAfile ca.pem -verify_hostname localhost >s12.out 2>&1
check "openssl s_client verifies the chain" grep -q 'Verify return code: 0 (ok)' s12.out
stop_gw

write_conf bad.conf "$(port 2)" "tls_cert = missing.pem
tls_key = srv.key"
run "$SG" serve -c bad.conf
expect_rc "missing certificate: config error" 78
expect_err "the error names the file" 'missing.pem: cannot load TLS certificate'
done_
