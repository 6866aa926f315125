# fed.sh - federation end to end: several leadrouted servers, each with
# its own home and configuration, behind one private Postfix on loopback
# that carries the exchanges between them and the notifications to their
# reps (bash; source common.sh, postfix.sh and flow.sh first).
#
# Mail paths:
#   inquiry --sendmail--> Postfix --lmtp--> hq (leads.test, flow.sh's daemon)
#   hq --SMTP--> Postfix --lmtp--> PEER (PEER.test) ...and status back the same way
#   every server's notifications --> ID@reps.test Maildirs (flow.sh)
#   a copy of every message --> the capture mailbox (always_bcc): the raw
#   bytes that left a server, for the withheld-field checks
#
# Contract:
#   fed_init NAME            flow_init, plus the capture mailbox; the origin
#                            is "hq" (flow.sh's daemon and home)
#   fed_peer ID              another server ID (domain ID.test)
#   fed_secret A B           one shared secret, a private copy for each side;
#                            prints nothing, sets FED_SECRET_<A>_<B> and
#                            FED_SECRET_<B>_<A> (the paths)
#   fed_user PEER ID [KEYS]  a user of PEER (ID@reps.test, a Maildir); for
#                            hq this is flow_user
#   fed_config PEER RULES [WORKFLOW] [SERVERS]   PEER's leadroute.conf
#   fed_start                Postfix, then every server's daemon
#   fed_daemon_start PEER / fed_daemon_stop PEER / fed_daemon_kill PEER
#   fed_cli PEER ARGS...     leadroute on PEER's home
#   fed_check PEER ID EXPR / fed_wait_lead PEER ID EXPR [SECS]   flow_check
#                            and flow_wait_lead on PEER's leads
#   fed_leads PEER           PEER's leads (list --json) into a file; prints it
#   fed_captured             paths of every captured message
FED_PEERS=(hq)
FED_CAPTURE=capture@capture.test

# fed__vars - F_CONF F_HOME F_SOCK F_LOG F_DOMAIN of a server.
fed__vars() {
	if [ "$1" = hq ]; then
		F_CONF=$FLOW_CONF F_HOME=$FLOW_HOME F_SOCK=$FLOW_SOCK F_LOG=$FLOW_LOG
		F_DOMAIN=$FLOW_DOMAIN
	else
		F_CONF=$LR_TMP/$1/leadroute.conf F_HOME=$LR_TMP/$1/home F_SOCK=$LR_TMP/$1/lmtp
		F_LOG=$LR_TMP/$1/leadrouted.log F_DOMAIN=$1.test
	fi
}

# fed_init - the Postfix, the origin, the capture mailbox.
fed_init() {
	flow_init "$1"
	postfix_add_mailbox "$FED_CAPTURE"
	postfix_set "always_bcc = $FED_CAPTURE"
	mkdir -p "$LR_TMP/secrets" && chown nobody: "$LR_TMP/secrets" && chmod 0700 "$LR_TMP/secrets"
	declare -g -a FED_USERS_hq=()
}

# fed_peer - another server behind the same Postfix.
fed_peer() {
	local id=$1
	fed__vars "$id"
	mkdir -p "$F_HOME" && chown -R nobody: "$LR_TMP/$id"
	postfix_route "$F_DOMAIN" "leadlmtp:unix:$F_SOCK"
	FED_PEERS+=("$id")
	declare -g -a "FED_USERS_$id=()"
}

# fed_secret - a shared secret, one private copy per side.
fed_secret() {
	local a=$1 b=$2 text
	text=$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')
	for pair in "$a-$b" "$b-$a"; do
		printf '%s\n' "$text" >"$LR_TMP/secrets/$pair.secret"
		chown nobody: "$LR_TMP/secrets/$pair.secret"
		chmod 0600 "$LR_TMP/secrets/$pair.secret"
	done
	declare -g "FED_SECRET_${a}_${b}=$LR_TMP/secrets/$a-$b.secret"
	declare -g "FED_SECRET_${b}_${a}=$LR_TMP/secrets/$b-$a.secret"
}

# fed_user - a user of a server, with a Maildir.
fed_user() {
	local peer=$1 id=$2 keys=${3:-} name
	local -n users="FED_USERS_$peer"
	name="$(tr '[:lower:]' '[:upper:]' <<<"${id:0:1}")${id:1} Rep"
	users+=("{ id = \"$id\"; name = \"$name\"; email = \"$id@$FLOW_REPS\"; $keys }")
	postfix_add_mailbox "$id@$FLOW_REPS"
}

# fed_config - write a server's leadroute.conf and check it.
fed_config() {
	local peer=$1 rules=$2 workflow=${3:-} servers=${4:-} users
	local -n list="FED_USERS_$peer"
	local all=("${list[@]}")
	fed__vars "$peer"
	[ "$peer" = hq ] && all=("${FLOW_USERS[@]}" "${list[@]}")
	users=$(printf '  %s,\n' "${all[@]}")
	cat >"$F_CONF" <<CONF
server: {
  name = "$peer"; domain = "$F_DOMAIN";
  listen = ["unix:$F_SOCK"];
  home = "$F_HOME";
  smtp = "$FLOW_SMTP";
  from = "Lead Desk $peer <desk@$F_DOMAIN>";
  templates = "$LR_TREE_TEMPLATES";
  retry_first = 1; retry_max = 4;
};
users = (
${users%,}
);
servers = ( $servers );
rules = ( $rules );
workflow: { $workflow };
CONF
	chown nobody: "$F_CONF"
	flow_cli check -c "$F_CONF" >"$LR_TMP/check-$peer.out" 2>&1 ||
		lr_fail "leadroute check ($peer): $(cat "$LR_TMP/check-$peer.out")"
}

# fed_daemon_start - one server's daemon (as nobody); FED_PID_<PEER>.
fed_daemon_start() {
	local peer=$1
	fed__vars "$peer"
	if ! lr_daemon_start "$F_LOG.new" "unix:$F_SOCK" 20 \
		setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
		"$FLOW_LEADROUTED" -c "$F_CONF" -f; then
		cat "$F_LOG.new" >&2
		lr_fail "leadrouted ($peer) did not listen on $F_SOCK (exit ${LR_DAEMON_EXIT:-none})"
	fi
	declare -g "FED_PID_$peer=$LR_DAEMON_PID"
	[ "$peer" = hq ] && FLOW_PID=$LR_DAEMON_PID
	return 0
}

# fed_daemon_stop - SIGTERM one server's daemon; it must exit 0.
fed_daemon_stop() {
	local peer=$1 pidvar="FED_PID_$1" status
	local pid=${!pidvar:-}
	fed__vars "$peer"
	[ -n "$pid" ] || return 0
	lr_kill_child "$pid" 20 || lr_fail "leadrouted ($peer) $pid did not stop"
	wait "$pid"
	status=$?
	cat "$F_LOG.new" >>"$F_LOG"
	declare -g "FED_PID_$peer="
	[ "$peer" = hq ] && FLOW_PID=
	[ "$status" = 0 ] || { tail -20 "$F_LOG" >&2; lr_fail "leadrouted ($peer) exited $status"; }
}

# fed_daemon_kill - SIGKILL one server's daemon (a crash).
fed_daemon_kill() {
	local peer=$1 pidvar="FED_PID_$1"
	local pid=${!pidvar:-}
	fed__vars "$peer"
	[ -n "$pid" ] || return 0
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	cat "$F_LOG.new" >>"$F_LOG"
	declare -g "FED_PID_$peer="
	[ "$peer" = hq ] && FLOW_PID=
	return 0
}

# fed_start - Postfix, then every daemon.
fed_start() {
	postfix_start
	for p in "${FED_PEERS[@]}"; do
		fed_daemon_start "$p"
	done
	lr_on_exit fed__dump_on_failure
}

# fed__dump_on_failure - every server's log when the test failed.
fed__dump_on_failure() {
	[ "${status:-0}" = 0 ] && return 0
	[ "$status" = 77 ] && return 0
	for p in "${FED_PEERS[@]}"; do
		fed__vars "$p"
		echo "--- leadrouted ($p) log (tail)" >&2
		tail -n 30 "$F_LOG" "$F_LOG.new" >&2 2>/dev/null
	done
	# The whole maillog (a lead held by Postfix shows where: deferred,
	# which peer, why), then what its queue still holds.
	echo "--- maillog" >&2
	cat "$PF_LOG" >&2 2>/dev/null
	echo "--- postfix queue" >&2
	postfix_queue >&2 2>/dev/null
}

# fed_cli - leadroute on a server's home.
fed_cli() {
	local peer=$1
	shift
	fed__vars "$peer"
	flow__as_nobody "$FLOW_LEADROUTE" "$@" -c "$F_CONF"
}

# fed_check / fed_wait_lead - flow_check / flow_wait_lead on a server.
fed_check() {
	fed__vars "$1"
	FLOW_CONF=$F_CONF flow_check "$2" "$3"
}
fed_wait_lead() {
	fed__vars "$1"
	FLOW_CONF=$F_CONF flow_wait_lead "$2" "$3" "${4:-30}"
}

# fed_leads - a server's leads as JSON in a file (prints the path).
fed_leads() {
	local out=$LR_TMP/leads-$1.json
	fed_cli "$1" list --json >"$out" 2>&1 || lr_fail "leadroute list ($1): $(cat "$out")"
	echo "$out"
}

# fed_captured - every message the relay carried (the always_bcc copies).
fed_captured() {
	flow_mails "$FED_CAPTURE"
}
