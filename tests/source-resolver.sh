#!/bin/bash
# source-resolver.sh - a mailbox source whose name server never answers
# does not hold a stop: leadrouted's source thread is inside the name
# lookup of its host (imap.unanswered.test, in no /etc/hosts), and
#   (1) a SIGHUP that removes the source ends within 5 s, and
#   (2) a SIGTERM during the same kind of lookup stops the daemon (exit 0)
#       within 5 s,
# where a blocking getaddrinfo(3) waits for the resolver's own timeout
# (timeout:5 attempts:2 here: about 10 s).  Each stop is logged (the
# reload's "stopping: removed" line and summary, or the daemon's exit) and
# the cancelled lookup ends as a stop during connect does (ECANCELED).
# A name the server says does not exist (nx.imap.unanswered.test: NXDOMAIN)
# stays a temporary failure whose line names the source and the host.
#
# The resolver end is real: as root, in a private mount namespace
# (unshare), /etc/resolv.conf is bind-mounted over with a file naming a
# loopback name server: a UDP socket on port 53 that reads every query
# (logging its name) and never answers.  glibc's stub resolver and
# nsswitch's "dns" are the production path; nothing outside the namespace
# changes.  Needs root and fails without it (it cannot show anything
# otherwise).
set -u
LR_SRCDIR=${LR_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
. "$LR_SRCDIR/tests/lib/mountns.sh"
lr_reexec_in_mount_ns LR_RESOLVER_NS "a private /etc/resolv.conf in a mount namespace" "$@"
. "$LR_SRCDIR/tests/lib/common.sh"
. "$LR_SRCDIR/tests/lib/leadrouted.sh"

HOST=imap.unanswered.test
lr_need_cmd python3
grep -Eq '^hosts:.*[[:space:]]dns([[:space:]]|$)' /etc/nsswitch.conf ||
	lr_fail "/etc/nsswitch.conf hosts does not use dns: $(grep '^hosts:' /etc/nsswitch.conf)"
grep -qi "$HOST" /etc/hosts && lr_fail "$HOST is in /etc/hosts"

lr_tmpdir source-resolver
T=$LR_TMP
lrd_init "$T/lr"
cp "$LRD_CONF" "$T/base.conf"
printf 's3cret\n' >"$LRD_DIR/pw" && chmod 0600 "$LRD_DIR/pw" || lr_fail "cannot write pw"
[ -z "$LRD_OWNER" ] || chown "$LRD_OWNER:" "$LRD_DIR/pw" || lr_fail "cannot chown pw"

# The silent name server: the first loopback address whose port 53 is
# free; each query's name, one a line, into T/queries.  Only a name
# beginning with "nx." gets an answer: NXDOMAIN, at once.
QUERIES=$T/queries
python3 -c '
import socket, sys
for addr in ("127.0.0.1", "127.0.0.53", "127.0.0.54", "127.0.0.99"):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        s.bind((addr, 53))
        break
    except OSError:
        s.close()
else:
    sys.exit("no loopback address with port 53 free")
out = open(sys.argv[1], "a", buffering=1)
with open(sys.argv[2] + ".tmp", "w") as f:
    f.write(addr + "\n")
import os
os.rename(sys.argv[2] + ".tmp", sys.argv[2])
while True:
    pkt, peer = s.recvfrom(4096)
    i, labels = 12, []
    while i < len(pkt) and pkt[i] != 0:
        labels.append(pkt[i + 1:i + 1 + pkt[i]].decode("ascii", "replace"))
        i += 1 + pkt[i]
    name = ".".join(labels)
    out.write(name + "\n")
    if name.startswith("nx.") and len(pkt) >= i + 5:
        # NXDOMAIN at once: the same id and question, no answer.
        s.sendto(pkt[:2] + b"\x81\x83\x00\x01" + bytes(6) + pkt[12:i + 5], peer)
' "$QUERIES" "$T/ns.addr" &
NS_PID=$!
lr_on_exit "lr_kill_child $NS_PID 5"
lr_wait_until 10 test -e "$T/ns.addr" || lr_fail "the silent name server did not start"
NS=$(cat "$T/ns.addr")
printf 'nameserver %s\noptions timeout:5 attempts:2\n' "$NS" >"$T/resolv.conf" &&
	chmod 0644 "$T/resolv.conf" || lr_fail "cannot write resolv.conf"
mount --bind "$T/resolv.conf" /etc/resolv.conf || lr_fail "cannot bind-mount /etc/resolv.conf"
grep -qx "nameserver $NS" /etc/resolv.conf || lr_fail "the private resolv.conf is not in place"
: >"$QUERIES"
lr_log "name server $NS:53 reads queries and never answers"

# conf ENTRY... - the base configuration with these sources.
conf() {
	{
		cat "$T/base.conf"
		echo "sources = ("
		printf '%s,\n' "$@" | sed '$ s/,$//'
		echo ");"
	} >"$LRD_CONF.new" && mv "$LRD_CONF.new" "$LRD_CONF" || lr_fail "cannot write $LRD_CONF"
	[ -z "$LRD_OWNER" ] || chown "$LRD_OWNER:" "$LRD_CONF"
}
# entry ID HOST - one IMAPS source.
entry() {
	printf '  { id = "%s"; url = "imaps://u@%s/INBOX"; password_file = "pw";\n' "$1" "$2"
	printf '    idle = false; poll = "1s"; }'
}
ENTRY=$(entry dns "$HOST")
NX=$(entry nx "nx.$HOST")
# asked - how many queries for HOST the name server has read.
asked() {
	grep -c "^$HOST\$" "$QUERIES"
}
# wait_lookup N - until more than N queries for HOST arrived: the source's
# thread is inside its lookup (no connect failure logged since then).
wait_lookup() {
	local fails
	fails=$(grep -c "source=dns connect failed" "$LRD_LOG")
	lr_wait_until 30 eval "[ \"\$(asked)\" -gt $1 ]" ||
		lr_fail "no query for $HOST reached the name server"
	[ "$(grep -c "source=dns connect failed" "$LRD_LOG")" = "$fails" ] ||
		lr_fail "the lookup had ended before the stop: $(grep 'source=dns' "$LRD_LOG" | tail -1)"
}
# now_ms - the monotonic clock in milliseconds.
now_ms() {
	python3 -c 'import time; print(int(time.monotonic() * 1000))'
}
# secs MS - milliseconds as seconds with one decimal.
secs() {
	printf '%d.%d' $(($1 / 1000)) $(($1 % 1000 / 100))
}

conf "$ENTRY" "$NX"
lrd_cli check >"$T/check.out" 2>&1 || lr_fail "check: $(cat "$T/check.out")"
lrd_start || lr_fail "leadrouted did not start"
pid=$LRD_PID

# (1) SIGHUP removing the source while its lookup hangs.
wait_lookup 0
conf "$NX"
n=$(grep -c "reload: sources:" "$LRD_LOG")
start=$(now_ms)
kill -HUP "$LRD_PID" || lr_fail "cannot signal leadrouted"
lr_wait_until 60 eval '[ "$(grep -c "reload: sources:" "$LRD_LOG")" -gt "$n" ]' ||
	lr_fail "no reload logged"
hup_ms=$(($(now_ms) - start))
lr_log "reload removing a source inside its lookup took $(secs "$hup_ms") s"
grep -q "source=dns stopping: removed by the reload" "$LRD_LOG" || lr_fail "dns not stopped"
grep -q "reload: sources: 0 started, 1 stopped, 1 unchanged" "$LRD_LOG" ||
	lr_fail "reload summary: $(grep 'reload: sources' "$LRD_LOG" | tail -1)"
[ "$hup_ms" -lt 5000 ] || lr_fail "the reload waited $(secs "$hup_ms") s for the name server"
grep -q "source=dns connect failed ($HOST port 993: Operation canceled)" "$LRD_LOG" ||
	lr_fail "the stopped lookup did not end as a stop: $(grep 'source=dns' "$LRD_LOG" | tail -2)"
[ "$LRD_PID" = "$pid" ] && lrd_alive || lr_fail "leadrouted restarted or died"

# (2) SIGTERM while the source (added back by a reload) is in its lookup.
q=$(asked)
conf "$ENTRY" "$NX"
kill -HUP "$LRD_PID" || lr_fail "cannot signal leadrouted"
wait_lookup "$q"
start=$(now_ms)
lrd_stop 60 || lr_fail "leadrouted did not stop on SIGTERM"
term_ms=$(($(now_ms) - start))
lr_log "SIGTERM with a source inside its lookup took $(secs "$term_ms") s"
[ "$LRD_EXIT" = 0 ] || lr_fail "leadrouted exited $LRD_EXIT"
[ "$term_ms" -lt 5000 ] || lr_fail "the stop waited $(secs "$term_ms") s for the name server"
[ "$(grep -c "source=dns connect failed ($HOST port 993: Operation canceled)" "$LRD_LOG")" = 2 ] ||
	lr_fail "the second lookup did not end as a stop: $(grep 'source=dns' "$LRD_LOG" | tail -2)"
# A name that does not exist is a temporary failure naming source and host.
grep -qF "source=nx connect failed (nx.$HOST: Name or service not known); next try in 2s" \
	"$LRD_LOG" || lr_fail "nx: no clear line: $(grep 'source=nx' "$LRD_LOG" | tail -1)"
lrd_log_clean
lr_log "ok"
