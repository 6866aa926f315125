# leadrouted.sh - run the real leadrouted in end-to-end tests (bash).
# shellcheck shell=bash
#
# Source common.sh first.  One daemon per test: its configuration, home,
# sockets and log live in one folder.
#
# Contract:
#   lrd_init DIR [SERVER_LINES]   write DIR/leadroute.conf: home DIR/home,
#                          listen on a unix socket and on a free 127.0.0.1
#                          port, smtp to another free port (nothing there
#                          unless lrd_sink_start), one admin user and a
#                          rule routing everything to them; SERVER_LINES
#                          (e.g. 'session_timeout = 2;') go into the server
#                          group.  Sets LRD_DIR, LRD_CONF, LRD_HOME,
#                          LRD_SOCKET, LRD_PORT, LRD_UNIX (unix:PATH),
#                          LRD_INET (inet:127.0.0.1:PORT), LRD_SMTP_PORT,
#                          LRD_LOG, and the programs LRD_DAEMON, LRD_CLI,
#                          LRD_DELIVER: the test's own copies
#                          (lr_private_tree; fails if one is not built),
#                          with the templates copied beside them named in
#                          server.templates, so that nobody can run and read
#                          them wherever the clone is.  Call lr_tmpdir first.
#   LRD_USER               run the daemon and the CLI as this user (setpriv;
#                          root only); empty: as ourselves.  lrd_init chowns
#                          DIR to it; set it before lrd_init.
#   LRD_OWNER              who the daemon runs as in the end: LRD_USER, or
#                          (as root without LRD_USER) nobody, named as
#                          server.user so that the daemon started as root
#                          drops to it; lrd_init chowns DIR to it.  Chown
#                          what you put under server.home to it.
#   lrd_start [WRAPPER...] start leadrouted -f (under WRAPPER, e.g. valgrind)
#                          and wait until both listeners accept; sets
#                          LRD_PID.  0, or 1 with LRD_EXIT when it exited.
#                          The log (LRD_LOG) is appended to, not truncated.
#   lrd_stop [SECONDS]     SIGTERM, wait at most SECONDS (default 30); sets
#                          LRD_EXIT.  1 when it had to be killed.
#   lrd_kill9              SIGKILL and reap (LRD_EXIT=137).
#   lrd_alive              true while the daemon runs
#   lrd_cli ARGS...        `leadroute ARGS -c LRD_CONF` as LRD_USER
#   lrd_list_json          `leadroute list --json` (fails the test on error)
#   lrd_count              number of stored leads
#   lrd_keys               the message_key of every lead, one a line, sorted
#                          (a key stored twice shows twice)
#   lrd_dup_keys           keys held by more than one lead
#   lrd_status_count S     how many leads have status S
#   lrd_wait_routed [SECS] until no lead is "new" (all parsed and routed)
#   lrd_sink_start         smtp-sink on LRD_SMTP_PORT (the notifications)
#   lrd_as_user CMD...     run CMD as LRD_USER (or as is)
#   lrd_log_clean          fail on a GLib CRITICAL or WARNING in LRD_LOG
#   lrd_memcheck_start [SECONDS]  lrd_start under valgrind memcheck
#                          (G_SLICE=always-malloc, G_DEBUG=gc-friendly,
#                          GLib's suppressions and tests/valgrind.supp,
#                          definite leaks and memory errors exit 3, its log
#                          LRD_DIR/valgrind.log), waiting up to SECONDS
#                          (default 180) for the listeners; in a sanitizer
#                          build (valgrind cannot run one) the daemon runs
#                          as is and ASan/LSan check the run.  Fails the
#                          test when the daemon does not start.
#   lrd_memcheck_stop [SECONDS]  fail the test unless the daemon is alive,
#                          stops on SIGTERM within SECONDS (default 120)
#                          and exits 0 (no errors found); the valgrind log
#                          is printed when not.
# The counting helpers print; call them as n=$(lrd_count) || exit 1 (a
# failure inside $(...) ends only that subshell).
# Every wait is bounded and processes are stopped by PID only.

: "${SMTP_SOURCE:=$(command -v smtp-source || echo /usr/sbin/smtp-source)}"
: "${SMTP_SINK:=$(command -v smtp-sink || echo /usr/sbin/smtp-sink)}"
LRD_USER=${LRD_USER:-}
LRD_EXIT=
export LRD_EXIT

# lrd__as_user_argv - set LRD_AS_USER to the prefix that runs a command as
# LRD_USER, else as LRD_OWNER (empty for ourselves): the daemon, the CLI
# and the deliverer share one store, so they run as one account.
lrd__as_user_argv() {
	local who=${LRD_USER:-${LRD_OWNER:-}}
	LRD_AS_USER=()
	[ -z "$who" ] && return 0
	LRD_AS_USER=(setpriv --reuid="$(id -u "$who")" --regid="$(id -g "$who")"
		--clear-groups)
}

# lrd_as_user - run a command as LRD_USER (no user: as is).
lrd_as_user() {
	lrd__as_user_argv
	"${LRD_AS_USER[@]}" "$@"
}

# lrd__short_dir - DIR, or a short folder under /tmp when a socket path
# under DIR would pass the 108-byte sun_path limit (deep build trees).
lrd__short_dir() {
	local dir=$1 short
	if [ "${#dir}" -lt 90 ]; then
		echo "$dir"
		return
	fi
	short=$(mktemp -d /tmp/lrd.XXXXXX) || lr_fail "mktemp"
	chmod 0755 "$short"
	lr_on_exit "rm -rf '$short'"
	echo "$short"
}

# lrd_init - write the configuration (see the contract).
lrd_init() {
	local extra=${2:-} sockdir
	LRD_DIR=$1
	LRD_OWNER=$LRD_USER
	[ -z "$LRD_OWNER" ] && [ "$(id -u)" = 0 ] && LRD_OWNER=nobody
	mkdir -p "$LRD_DIR/home" || lr_fail "cannot create $LRD_DIR"
	chmod 0755 "$LRD_DIR"
	lr_private_tree
	LRD_DAEMON=$LR_TREE_BIN/leadrouted
	LRD_CLI=$LR_TREE_BIN/leadroute
	LRD_DELIVER=$LR_TREE_BIN/leadroute-deliver
	LRD_CONF=$LRD_DIR/leadroute.conf
	LRD_HOME=$LRD_DIR/home
	LRD_LOG=$LRD_DIR/leadrouted.log
	sockdir=$(lrd__short_dir "$LRD_DIR") || exit 1
	LRD_SOCKET=$sockdir/lmtp
	LRD_PORT=$(lr_free_port) || lr_fail "no free port"
	LRD_SMTP_PORT=$LRD_PORT
	while [ "$LRD_SMTP_PORT" = "$LRD_PORT" ]; do
		LRD_SMTP_PORT=$(lr_free_port) || lr_fail "no free port"
	done
	LRD_UNIX=unix:$LRD_SOCKET
	LRD_INET=inet:127.0.0.1:$LRD_PORT
	LRD_PID=
	cat >"$LRD_CONF" <<EOF
# written by tests/lib/leadrouted.sh
server: {
  name = "e2e";
  domain = "leads.test";
  listen = ["$LRD_UNIX", "$LRD_INET"];
  home = "$LRD_HOME";
  smtp = "smtp://127.0.0.1:$LRD_SMTP_PORT";
  from = "Lead Desk <leads@leads.test>";
  templates = "$LR_TREE_TEMPLATES";
  user = "${LRD_OWNER:-leadroute}";
  $extra
};
users = ( { id = "admin"; name = "Admin"; email = "admin@reps.test"; role = "admin"; } );
rules = ( { name = "everyone"; route = "admin"; } );
EOF
	if [ -n "$LRD_OWNER" ]; then
		chown -R "$LRD_OWNER:" "$LRD_DIR" "$sockdir" || lr_fail "chown $LRD_OWNER"
	fi
	export LRD_OWNER LRD_DIR LRD_CONF LRD_HOME LRD_SOCKET LRD_PORT LRD_UNIX LRD_INET \
		LRD_SMTP_PORT LRD_LOG LRD_DAEMON LRD_CLI LRD_DELIVER
}

# lrd__both_listen - true when the unix socket and the port accept.
lrd__both_listen() {
	lr_pid_alive "$LRD_PID" || return 0
	lr__probe unix "$LRD_SOCKET" && lr__probe inet 127.0.0.1 "$LRD_PORT"
}

# lrd_start - start the daemon, optionally under a wrapper command.
# shellcheck disable=SC2120
lrd_start() {
	LRD_EXIT=
	lrd__as_user_argv
	# Not through a shell function: $! must be the daemon (or its wrapper,
	# which execs or forwards signals), not a subshell.
	"${LRD_AS_USER[@]}" "$@" "$LRD_DAEMON" -c "$LRD_CONF" -f </dev/null >>"$LRD_LOG" 2>&1 &
	LRD_PID=$!
	lr_on_exit "lr_kill_child $LRD_PID 30"
	if lr_wait_until "${LRD_START_SECONDS:-60}" lrd__both_listen && lrd_alive; then
		return 0
	fi
	if ! lrd_alive; then
		wait "$LRD_PID"
		LRD_EXIT=$?
	fi
	return 1
}

# lrd_alive - true while the daemon process runs.
lrd_alive() {
	[ -n "$LRD_PID" ] && lr_pid_alive "$LRD_PID"
}

# lrd_stop - SIGTERM and a bounded wait; LRD_EXIT is its status.
lrd_stop() {
	local secs=${1:-30} killed=0
	[ -n "$LRD_PID" ] || return 0
	kill -TERM "$LRD_PID" 2>/dev/null
	if ! lr_wait_until "$secs" lr__pids_gone "$LRD_PID"; then
		echo "leadrouted $LRD_PID ignored SIGTERM for ${secs}s, killing" >&2
		kill -KILL "$LRD_PID" 2>/dev/null
		killed=1
	fi
	wait "$LRD_PID" 2>/dev/null
	LRD_EXIT=$?
	LRD_PID=
	return "$killed"
}

# lrd_log_clean - fail the test when the daemon's log holds a GLib
# critical or warning ("(leadrouted:PID): GLib-CRITICAL **: ..."): each is
# a bug, and under G_DEBUG=fatal-criticals an abort.
lrd_log_clean() {
	local bad
	bad=$(grep -E '\([a-z-]+:[0-9]+\): ([A-Za-z-]+-)?(CRITICAL|WARNING) \*\*' "$LRD_LOG" | head -5)
	[ -z "$bad" ] || lr_fail "leadrouted logged: $bad"
}

# lrd_kill9 - SIGKILL the daemon and reap it.
lrd_kill9() {
	[ -n "$LRD_PID" ] || return 0
	kill -KILL "$LRD_PID" 2>/dev/null
	wait "$LRD_PID" 2>/dev/null
	LRD_EXIT=$?
	LRD_PID=
}

# lrd_cli - the leadroute command on this configuration.
lrd_cli() {
	local cmd=$1
	shift
	lrd_as_user "$LRD_CLI" "$cmd" -c "$LRD_CONF" "$@"
}

# lrd_list_json - every lead as JSON; fails the test when list fails.
lrd_list_json() {
	local out
	out=$(lrd_cli list --json 2>"$LRD_DIR/list.err") ||
		lr_fail "leadroute list: $(cat "$LRD_DIR/list.err")"
	printf '%s\n' "$out"
}

# lrd_count - how many leads are stored.
lrd_count() {
	local json
	json=$(lrd_list_json) || exit 1
	printf '%s\n' "$json" | python3 -c 'import json, sys; print(len(json.load(sys.stdin)))'
}

# lrd_keys - every lead's message_key, sorted (duplicates kept).
lrd_keys() {
	local json
	json=$(lrd_list_json) || exit 1
	printf '%s\n' "$json" | python3 -c '
import json, sys
for lead in json.load(sys.stdin):
    print(lead["message_key"])' | LC_ALL=C sort
}

# lrd_send_acked N TO FILE - deliver N messages to TO over the unix socket
# (smtp-source); the keys of every stored lead go to FILE, which must then
# hold exactly N.
lrd_send_acked() {
	timeout 300 "$SMTP_SOURCE" -L -d -s 8 -m "$1" -f form@example.org -t "$2" "$LRD_UNIX" ||
		lr_fail "smtp-source ($1) failed"
	lrd_keys >"$3" || exit 1
	[ "$(wc -l <"$3")" = "$1" ] || lr_fail "$(wc -l <"$3") leads stored, want $1"
}

# lrd_load_start PER_ROUND TO STOP - deliver rounds of PER_ROUND messages in
# the background until the file STOP exists (a fixed count could end before
# a slow step under load does); its PID in LRD_LOAD_PID, output in STOP.out.
lrd_load_start() {
	(
		for round in $(seq 1 100); do
			[ -e "$3" ] && exit 0
			timeout 300 "$SMTP_SOURCE" -L -d -s 8 -m "$1" -f "load$round@example.org" \
				-t "$2" "$LRD_UNIX" || exit 1
		done
	) >"$3.out" 2>&1 &
	LRD_LOAD_PID=$!
}

# lrd_wait_stored N - wait up to 60 s until more than N leads are stored.
lrd_wait_stored() {
	lr_wait_until 60 bash -c "[ \$('$LRD_CLI' list -c '$LRD_CONF' --json 2>/dev/null |
		python3 -c 'import json,sys; print(len(json.load(sys.stdin)))') -gt $1 ]"
}

# lrd_dup_keys - keys that more than one lead holds.
lrd_dup_keys() {
	lrd_keys | uniq -d
}

# lrd_sink_start - an smtp-sink for the notifications on LRD_SMTP_PORT.
lrd_sink_start() {
	local user=()
	[ "$(id -u)" = 0 ] && user=(-u nobody)
	[ -x "$SMTP_SINK" ] || lr_skip "smtp-sink not found"
	"$SMTP_SINK" "${user[@]}" "127.0.0.1:$LRD_SMTP_PORT" 64 >/dev/null 2>&1 &
	LRD_SINK_PID=$!
	lr_on_exit "lr_kill_child $LRD_SINK_PID 5"
	lr_wait_tcp 127.0.0.1 "$LRD_SMTP_PORT" 10 || lr_fail "smtp-sink did not start"
}

# lrd_status_count STATUS - how many leads have this status ("new": stored,
# not parsed and routed yet).
lrd_status_count() {
	local json
	json=$(lrd_list_json) || exit 1
	printf '%s\n' "$json" | python3 -c '
import json, sys
print(sum(1 for lead in json.load(sys.stdin) if lead["status"] == sys.argv[1]))' "$1"
}

# lrd__none_new - true when every lead has been parsed and routed.
lrd__none_new() {
	[ "$(lrd_status_count new)" = 0 ]
}

# lrd_wait_routed [SECONDS] - until no lead is "new" (default 120 s).
lrd_wait_routed() {
	lr_wait_until "${1:-120}" lrd__none_new
}

# lrd_memcheck_start [SECONDS] - the daemon under memcheck (see the contract).
lrd_memcheck_start() {
	local supp glib_supp=/usr/share/glib-2.0/valgrind/glib.supp memcheck
	# The daemon may run as nobody: its suppressions are a copy it can
	# read (the clone may be a 0700 home).
	cp "$LR_SRCDIR/tests/valgrind.supp" "$LRD_DIR/valgrind.supp" &&
		chmod a+r "$LRD_DIR/valgrind.supp" || lr_fail "cannot copy tests/valgrind.supp"
	supp=(--suppressions="$LRD_DIR/valgrind.supp")
	[ -r "$glib_supp" ] && supp+=(--suppressions="$glib_supp")
	memcheck=(valgrind -q --leak-check=full --errors-for-leak-kinds=definite
		--show-leak-kinds=definite --error-exitcode=3 --num-callers=30 "${supp[@]}"
		--log-file="$LRD_DIR/valgrind.log")
	if grep -q __asan_init "$LRD_DAEMON"; then
		memcheck=()
		: >"$LRD_DIR/valgrind.log"
		lr_log "sanitizer build: the same run under AddressSanitizer instead of valgrind"
	fi
	# The daemon is an executable of its own (no libtool wrapper in the
	# private tree); libtool --mode=execute would run the same file.
	LRD_START_SECONDS=${1:-180} lrd_start env G_SLICE=always-malloc G_DEBUG=gc-friendly \
		"${memcheck[@]}" && return 0
	cat "$LRD_LOG" "$LRD_DIR/valgrind.log" >&2
	lr_fail "leadrouted did not start under valgrind"
}

# lrd_memcheck_stop [SECONDS] - alive, stopped by SIGTERM, no errors.
lrd_memcheck_stop() {
	lrd_alive || { cat "$LRD_DIR/valgrind.log" >&2; lr_fail "leadrouted died under valgrind"; }
	lrd_stop "${1:-120}" || lr_fail "leadrouted under valgrind did not stop on SIGTERM"
	if [ "$LRD_EXIT" != 0 ]; then
		cat "$LRD_DIR/valgrind.log" >&2
		lr_fail "valgrind exit $LRD_EXIT (3: memory errors or definite leaks)"
	fi
}
