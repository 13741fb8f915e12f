# lib_postfix.sh - a throwaway Postfix instance for the integration tests
# (sourced; needs root and Debian's postfix package).  Everything lives
# under one directory DIR:
#
#   DIR/conf/main.cf, DIR/conf/master.cf   the configuration (postfix -c)
#   DIR/queue                              queue_directory
#   DIR/data                               data_directory (owned by postfix)
#   DIR/maillog                            Postfix's own log (maillog_file)
#
#   postfix_instance DIR     write the base main.cf and master.cf, make the
#                            directories; prints nothing.  main.cf: queue,
#                            data, program and meta directories, mail_owner,
#                            the log file, 127.0.0.1 only (IPv4), mynetworks
#                            127.0.0.0/8, no local domains, no aliases, no
#                            SMTPUTF8.  master.cf: the stock services but no
#                            smtpd listener
#   postfix_main DIR LINE...    append lines to main.cf (each key once: the
#                            base has none of the test's own keys)
#   postfix_master DIR LINE...  append lines to master.cf
#   postfix_start DIR        postfix check, then start; the output of both
#                            in DIR/start.out; PF_MASTER is the master's PID.
#                            Returns start's exit code
#   postfix_stop DIR         postfix stop (it waits for the master), then the
#                            master's PID is killed if still there and
#                            waited for; a no-op when it is not running
#
# The tests give each instance a listener on a 127.0.0.1 port of their own
# (postfix_master DIR "127.0.0.1:PORT inet n - n - - smtpd" ...).

PF_MASTER=

# postfix_instance DIR
postfix_instance() {
	local d=$1
	mkdir -p "$d/conf" "$d/queue" "$d/data" || return 1
	chown postfix "$d/data" || return 1
	cat >"$d/conf/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $d/queue
data_directory = $d/data
command_directory = /usr/sbin
daemon_directory = /usr/lib/postfix/sbin
shlib_directory = /usr/lib/postfix
meta_directory = /etc/postfix
mail_owner = postfix
maillog_file_prefixes = /var, /dev/stdout, $d
maillog_file = $d/maillog
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
mydestination =
alias_maps =
alias_database =
biff = no
smtputf8_enable = no
EOF
	cat >"$d/conf/master.cf" <<'EOF'
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
EOF
}

# postfix_main DIR LINE...
postfix_main() {
	local d=$1
	shift
	printf '%s\n' "$@" >>"$d/conf/main.cf"
}

# postfix_master DIR LINE...
postfix_master() {
	local d=$1
	shift
	printf '%s\n' "$@" >>"$d/conf/master.cf"
}

# postfix_start DIR
postfix_start() {
	local d=$1 rc
	postfix -c "$d/conf" check >"$d/start.out" 2>&1
	postfix -c "$d/conf" start >>"$d/start.out" 2>&1
	rc=$?
	PF_MASTER=$(tr -d ' ' <"$d/queue/pid/master.pid" 2>/dev/null)
	return $rc
}

# postfix_stop DIR
postfix_stop() {
	local d=$1 pid=${PF_MASTER:-} i
	[ -n "$pid" ] || pid=$(tr -d ' ' <"$d/queue/pid/master.pid" 2>/dev/null)
	[ -n "$pid" ] || return 0
	postfix -c "$d/conf" stop >/dev/null 2>&1
	kill "$pid" 2>/dev/null
	for i in $(seq 50); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$pid" 2>/dev/null
	PF_MASTER=
	return 0
}
