#!/bin/bash
# test_privdrop - started as root with [server] user = nobody, the server
# binds, then runs as nobody (the queue manager too) before it reads a
# client byte, and still takes and delivers mail.  Skipped when not root.
D=$(cd "$(dirname "$0")" && pwd)
. "$D/../../cli/lib.sh" "$@"
TEST_PORT_OFFSET=$((${TEST_PORT_OFFSET:-0} + 70))
. "$D/lib.sh"

if [ "$(id -u)" != 0 ]; then
	ok "skipped: not root"
	done_
fi
P=$(port 1)
chmod 711 "$T"
mkdir run
# everything the dropped process writes lives under run/, owned by nobody
T_SAVE=$T; T=$T/run
write_conf run/gw.conf "$P" "user = nobody"
T=$T_SAVE
chown -R nobody run
start_gw run/gw.conf "$P" || { bad "gateway starts as root"; done_; }
check "the server runs as nobody" test "$(ps -o user= -p "$GW_PID" | tr -d ' ')" = nobody
kids=$(ps -o user= --ppid "$GW_PID" | sort -u | tr -d ' ' | tr '\n' ' ')
check "its children run as nobody ($kids)" test "$kids" = "nobody "
printf 'Subject: drop\r\n\r\ncard 4111 1111 1111 1111\r\n' >m.eml
run smtp send "$P" a@b.example support@localhost m.eml
check "message accepted" grep -q '^250 2.0.0 Ok: queued as' .out
check "and delivered" wait_for 20 sh -c "ls run/Maildir/new/* >/dev/null 2>&1"
write_conf bad.conf "$(port 2)" "user = no-such-user-here"
run "$SG" serve -c bad.conf
expect_rc "unknown user: EX_NOUSER" 67
expect_err "the error names the user" 'no-such-user-here: no such user'
stop_gw
check "exit 0" test "$GW_RC" = 0
done_
