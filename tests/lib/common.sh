# common.sh - helpers for leadroute's shell tests and benchmarks (bash).
#
# Source it first:  . "$LR_SRCDIR/tests/lib/common.sh"
# Contract:
#   lr_fail MSG            print "FAIL: MSG" and exit 1
#   lr_skip MSG            print "SKIP: MSG" and exit 77 (automake's skip)
#   lr_log MSG             progress line on stderr
#   lr_on_exit CMD...      run CMD (a string, eval'd) at exit, last added first
#   lr_tmpdir NAME         make $LR_BUILDDIR/tests/tmp-NAME afresh, set LR_TMP,
#                          remove it at exit unless LR_KEEP_TMP=1; as root,
#                          a /tmp/lr-NAME.* folder when user nobody cannot
#                          reach the build tree
#   lr_free_port           print a TCP port on 127.0.0.1 that was free just now
#   lr_wait_tcp HOST PORT [SECONDS]   until something accepts there (0/1)
#   lr_wait_unix PATH [SECONDS]       until a unix socket accepts there (0/1)
#   lr_wait_service PID ADDR [SECONDS]
#                          until ADDR (unix:PATH or inet:HOST:PORT, as in
#                          server.listen) accepts; 1 at once if PID dies
#   lr_wait_until SECONDS CMD...      until CMD succeeds (0/1), polling 0.1 s
#   lr_daemon_start LOG ADDR SECONDS CMD...
#                          run CMD in the background (stdout and stderr to
#                          LOG), stop it by PID at exit, wait until ADDR
#                          accepts; sets LR_DAEMON_PID; 1 (PID reaped) if
#                          it exits first, with its status in LR_DAEMON_EXIT
#   lr_pid_alive PID       true while PID runs (a zombie counts as gone)
#   lr_kill_pid PID [SECONDS]         TERM, wait, then KILL; 0 when gone
#   lr_kill_child PID [SECONDS]       lr_kill_pid, only if PID is still a
#                          child of this (sub)shell: a reaped PID may have
#                          been reused by a stranger
#   lr_session_pids SID    PIDs alive in session SID (a daemon's children)
#   lr_kill_session SID [SECONDS]     TERM the session leader, wait for every
#                          member, KILL what is left; 0 when all are gone
#   lr_descendants PID     live PIDs below PID (children, grandchildren...)
#   lr_reachable_by USER PATH          true if USER can search/read PATH
#   lr_need_cmd CMD...     skip unless every CMD is on PATH (or executable)
#   lr_private_tree        the test's own copy of what a daemon reads from
#                          the build and source trees: the programs
#                          (leadrouted, leadroute, leadroute-deliver) in
#                          $LR_TMP/tree/bin and the notification templates
#                          in $LR_TMP/tree/templates, readable by every user
#                          (call lr_tmpdir first; made once per test).  A
#                          daemon that drops to nobody runs from there and
#                          names those templates: the clone may sit in a
#                          home nobody else may enter (mode 0700).  Sets
#                          LR_TREE_BIN and LR_TREE_TEMPLATES.
#   lr_corpus [SUB]        print the test corpus folder (LR_CORPUS, else
#                          $LR_SRCDIR/tests/corpus) or its SUB folder; fail
#                          (never skip) when it is not there
# Every wait is bounded; nothing here kills by name.  lr_fail and lr_skip
# inside $(...) end only that subshell: test the status there.

: "${LR_SRCDIR:=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)}"
: "${LR_BUILDDIR:=$PWD}"
export LR_SRCDIR LR_BUILDDIR

LR_EXIT_HOOKS=()

# lr_fail - report a failed check and stop the test.
lr_fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# lr_skip - report why the test cannot run here and stop with 77.
lr_skip() {
	echo "SKIP: $*" >&2
	exit 77
}

# lr_log - one progress line on stderr, prefixed by the script name.
lr_log() {
	echo "${0##*/}: $*" >&2
}

# lr_on_exit - queue a command (string) for the exit trap.
lr_on_exit() {
	LR_EXIT_HOOKS+=("$*")
}

# lr__run_exit_hooks - the EXIT trap: run hooks newest first, keep status.
lr__run_exit_hooks() {
	local status=$? i
	trap - EXIT
	for ((i = ${#LR_EXIT_HOOKS[@]} - 1; i >= 0; i--)); do
		eval "${LR_EXIT_HOOKS[i]}" || true
	done
	exit "$status"
}
trap lr__run_exit_hooks EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# lr_tmpdir - fresh scratch folder for test NAME; sets LR_TMP.
# The folder is 0755 so that Postfix/Dovecot/pipe users can traverse it.
lr_tmpdir() {
	local name=$1
	LR_TMP=$LR_BUILDDIR/tests/tmp-$name
	rm -rf "$LR_TMP" || lr_fail "cannot remove old $LR_TMP"
	mkdir -p "$LR_TMP" || lr_fail "cannot create $LR_TMP"
	chmod 0755 "$LR_TMP"
	LR_TMP=$(cd "$LR_TMP" && pwd -P)
	# Daemons drop to postfix/nobody: when they cannot reach the build
	# tree (a clone under a 0700 home), work under /tmp instead.
	if [ "$(id -u)" = 0 ] && ! lr_reachable_by nobody "$LR_TMP"; then
		rmdir "$LR_TMP"
		LR_TMP=$(mktemp -d "/tmp/lr-$name.XXXXXX") || lr_fail "mktemp"
		chmod 0755 "$LR_TMP"
	fi
	if [ "${LR_KEEP_TMP:-0}" != 1 ]; then
		lr_on_exit "rm -rf '$LR_TMP'"
	fi
	export LR_TMP
}

# lr_free_port - ask the kernel for a free loopback TCP port.
lr_free_port() {
	python3 -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])
s.close()'
}

# lr__probe - one connection attempt: inet HOST PORT or unix PATH.
lr__probe() {
	python3 - "$@" <<'EOF'
import socket, sys
try:
    if sys.argv[1] == "unix":
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(1)
        s.connect(sys.argv[2])
    else:
        s = socket.create_connection((sys.argv[2], int(sys.argv[3])), 1)
    s.close()
except OSError:
    sys.exit(1)
EOF
}

# lr_wait_until - poll CMD every 0.1 s for at most SECONDS.
lr_wait_until() {
	local secs=$1 deadline
	shift
	deadline=$((SECONDS + secs))
	while ! "$@"; do
		[ "$SECONDS" -ge "$deadline" ] && return 1
		sleep 0.1
	done
	return 0
}

# lr_wait_tcp - wait until HOST:PORT accepts a connection.
lr_wait_tcp() {
	lr_wait_until "${3:-10}" lr__probe inet "$1" "$2"
}

# lr_wait_unix - wait until the unix socket PATH accepts a connection.
lr_wait_unix() {
	lr_wait_until "${2:-10}" lr__probe unix "$1"
}

# lr__service_state - 0 when ADDR accepts, 0 too when PID is gone (give up).
lr__service_state() {
	lr_pid_alive "$1" || return 0
	case $2 in
	unix:*) lr__probe unix "${2#unix:}" ;;
	inet:*) local hp=${2#inet:}; lr__probe inet "${hp%:*}" "${hp##*:}" ;;
	*) lr_fail "bad address $2" ;;
	esac
}

# lr_wait_service - wait until PID's listener ADDR accepts (0) or PID dies.
lr_wait_service() {
	lr_wait_until "${3:-10}" lr__service_state "$1" "$2" || return 1
	lr_pid_alive "$1"
}

# lr_daemon_start - start a server and wait for its listener (see contract).
lr_daemon_start() {
	local log=$1 addr=$2 secs=$3
	shift 3
	"$@" </dev/null >"$log" 2>&1 &
	LR_DAEMON_PID=$!
	LR_DAEMON_EXIT=
	lr_on_exit "lr_kill_child $LR_DAEMON_PID 20"
	lr_wait_service "$LR_DAEMON_PID" "$addr" "$secs" && return 0
	if ! lr_pid_alive "$LR_DAEMON_PID"; then
		wait "$LR_DAEMON_PID"
		export LR_DAEMON_EXIT=$?
	fi
	return 1
}

# lr_pid_alive - true if PID exists and is not a zombie.
lr_pid_alive() {
	local state
	[ -r "/proc/$1/stat" ] || return 1
	state=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
	[ -n "$state" ] && [ "$state" != Z ] && [ "$state" != X ]
}

# lr__pids_gone - true when none of the PIDs is alive.
lr__pids_gone() {
	local p
	for p in "$@"; do
		lr_pid_alive "$p" && return 1
	done
	return 0
}

# lr_kill_pid - TERM PID, wait up to SECONDS (default 10), then KILL.
lr_kill_pid() {
	local pid=$1 secs=${2:-10}
	[ -n "$pid" ] || return 0
	lr_pid_alive "$pid" || return 0
	kill -TERM "$pid" 2>/dev/null
	lr_wait_until "$secs" lr__pids_gone "$pid" && return 0
	echo "warning: pid $pid ignored SIGTERM for ${secs}s, killing" >&2
	kill -KILL "$pid" 2>/dev/null
	lr_wait_until 5 lr__pids_gone "$pid"
}

# lr_kill_child - lr_kill_pid for a background job of this script only.
lr_kill_child() {
	local ppid
	ppid=$(ps -o ppid= -p "$1" 2>/dev/null | tr -d ' ')
	[ "$ppid" = "$BASHPID" ] || return 0
	lr_kill_pid "$@"
}

# lr_session_pids - live PIDs whose session id is SID.
lr_session_pids() {
	ps -eo pid=,sid=,stat= | awk -v sid="$1" '$2 == sid && $3 !~ /^Z/ { print $1 }'
}

# lr__session_gone - true when session SID has no live member.
lr__session_gone() {
	[ -z "$(lr_session_pids "$1")" ]
}

# lr_kill_session - stop a session leader SID (a child of this shell) and
# every process it spawned.
lr_kill_session() {
	local sid=$1 secs=${2:-10} left
	[ -n "$sid" ] || return 0
	[ "$(ps -o ppid= -p "$sid" 2>/dev/null | tr -d ' ')" = "$BASHPID" ] &&
		kill -TERM "$sid" 2>/dev/null
	lr_wait_until "$secs" lr__session_gone "$sid" && return 0
	left=$(lr_session_pids "$sid")
	echo "warning: session $sid left pids $left after ${secs}s, killing" >&2
	# shellcheck disable=SC2086
	[ -n "$left" ] && kill -KILL $left 2>/dev/null
	lr_wait_until 5 lr__session_gone "$sid"
}

# lr_descendants - every live process below PID, one per line.
lr_descendants() {
	ps -eo pid=,ppid=,stat= | awk -v root="$1" '
		$3 !~ /^Z/ { parent[$1] = $2 }
		END {
			for (p in parent) {
				q = parent[p]
				for (n = 0; q != "" && q != 0 && n < 64; n++) {
					if (q == root) { print p; break }
					q = parent[q]
				}
			}
		}'
}

# lr_reachable_by - true if USER may traverse to PATH and read it.
lr_reachable_by() {
	local user=$1 path=$2
	if [ "$(id -u)" != 0 ]; then
		[ "$(id -un)" = "$user" ] && [ -r "$path" ]
		return
	fi
	setpriv --reuid="$(id -u "$user")" --regid="$(id -g "$user")" \
		--clear-groups test -r "$path" 2>/dev/null
}

# lr_private_tree - copy the programs and templates into $LR_TMP/tree.
lr_private_tree() {
	local tree=${LR_TMP:?lr_tmpdir first}/tree p
	LR_TREE_BIN=$tree/bin
	LR_TREE_TEMPLATES=$tree/templates
	export LR_TREE_BIN LR_TREE_TEMPLATES
	[ -d "$tree" ] && return 0
	mkdir -p "$LR_TREE_BIN" "$LR_TREE_TEMPLATES" || lr_fail "cannot create $tree"
	for p in leadrouted leadroute leadroute-deliver; do
		[ -x "$LR_BUILDDIR/src/$p" ] || lr_fail "$LR_BUILDDIR/src/$p not built"
		cp "$LR_BUILDDIR/src/$p" "$LR_TREE_BIN/" || lr_fail "cannot copy src/$p"
	done
	cp "$LR_SRCDIR"/templates/*.txt "$LR_SRCDIR"/templates/*.html "$LR_TREE_TEMPLATES/" ||
		lr_fail "cannot copy $LR_SRCDIR/templates"
	# Whatever the umask of the clone or of this shell: all may read.
	chmod -R a+rX "$tree" && chmod 0755 "$tree" "$LR_TREE_BIN" "$LR_TREE_TEMPLATES" ||
		lr_fail "chmod $tree"
}

# lr_corpus - the corpus folder (or SUB under it); a missing one fails.
lr_corpus() {
	local dir=${LR_CORPUS:-$LR_SRCDIR/tests/corpus}${1:+/$1}
	[ -d "$dir" ] || lr_fail "no test corpus at $dir (set LR_CORPUS or restore tests/corpus)"
	echo "$dir"
}

# lr_need_cmd - skip the test unless every command exists.
lr_need_cmd() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || [ -x "$c" ] ||
			lr_skip "$c not found"
	done
}
