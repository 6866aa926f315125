# flow.sh - the lead workflow end to end: a private Postfix, leadrouted
# behind it over LMTP, reps with Maildir mailboxes who reply like a mail
# client (bash; source common.sh and postfix.sh first).
#
# Mail paths of a flow test:
#   inquiry --sendmail--> Postfix --lmtp:unix--> leadrouted (leads+SRC@leads.test)
#   leadrouted --SMTP (server.smtp)--> Postfix --virtual--> ID@reps.test Maildir
#   reply --SMTP--> Postfix --lmtp:unix--> leadrouted (lead+TOKEN@leads.test)
#
# Contract:
#   flow_init NAME          scratch folder (LR_TMP), a private Postfix with
#                           leads.test routed to leadrouted's socket and the
#                           admin "dana" (dana@reps.test); sets FLOW_CONF,
#                           FLOW_HOME, FLOW_SOCK, FLOW_SMTP (the relay URL)
#   flow_user ID [KEYS]     a user ID@reps.test with a Maildir; KEYS are more
#                           libconfig settings ('role = "manager"; ...')
#   flow_mailbox ADDR       a Maildir mailbox that is not a user
#   flow_config RULES [WORKFLOW] [SERVER]   write leadroute.conf: rules list
#                           body, workflow group body, extra server keys
#   flow_start              start Postfix and leadrouted (as nobody)
#   flow_daemon_start / flow_daemon_stop    leadrouted alone; sets FLOW_PID
#   flow_inject FILE [MSGID] [SOURCE]       an inquiry into Postfix with
#                           sendmail(1), with a fresh Message-ID
#   flow_mails ID|ADDR [KIND] [LEAD]        notification paths in delivery order
#   flow_count ID|ADDR [KIND] [LEAD]        how many
#   flow_has ID|ADDR KIND LEAD N            true when at least N (LEAD may be "")
#   flow_wait_mail ID|ADDR KIND [LEAD] [N] [SECS]  until N (1) such mails
#                           arrived; prints the newest path
#   flow_lead_of FILE       the X-Leadroute-Lead of a notification
#   flow_lead_id MSGID [SECS]   wait until the inquiry with that Message-ID
#                           is offered; print its lead id
#   flow_assignees ID       the lead's assignees, space-separated
#   flow_reply NOTIF FROM BODY [flow.py reply options]  reply over SMTP
#   flow_show ID            `leadroute show --json ID` into $LR_TMP/show-ID.json
#                           (prints the path)
#   flow_check ID EXPR      flow_show, then fail unless EXPR (Python over
#                           `lead` and `events`) is true
#   flow_events ID          event types in order, one line
#   flow_cli ARGS...        run leadroute as the daemon's user
# Everything runs as root (Postfix's master) except leadrouted and the CLI,
# which run as nobody over a home owned by nobody, from the test's own copies
# of the programs and templates (lr_private_tree).

FLOW_PY=$LR_SRCDIR/tests/lib/flow.py
FLOW_DOMAIN=leads.test
FLOW_REPS=reps.test

# flow__as_nobody - run a command as the daemon's user.
flow__as_nobody() {
	setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups "$@"
}

# flow_init - lay out Postfix and leadrouted's folders for test NAME.
flow_init() {
	lr_need_cmd python3 postconf postqueue setpriv
	[ "$(id -u)" = 0 ] || lr_skip "needs root to start postfix"
	lr_tmpdir "$1"
	mkdir -p "$LR_TMP/lr/home" && chown -R nobody: "$LR_TMP/lr"
	FLOW_CONF=$LR_TMP/lr/leadroute.conf
	FLOW_HOME=$LR_TMP/lr/home
	FLOW_SOCK=$LR_TMP/lr/lmtp
	FLOW_LOG=$LR_TMP/lr/leadrouted.log
	FLOW_USERS=()
	FLOW_PID=
	postfix_init "$LR_TMP/postfix"
	FLOW_SMTP=smtp://127.0.0.1:$PF_PORT
	postfix_service "leadlmtp unix - - n - - lmtp -o syslog_name=postfix/leadlmtp"
	postfix_route "$FLOW_DOMAIN" "leadlmtp:unix:$FLOW_SOCK"
	flow_user dana 'role = "admin";'
	# The daemon and the CLI run as nobody: from the test's own copies of
	# the programs and templates, never from the clone (maybe in /root).
	lr_private_tree
	FLOW_LEADROUTED=$LR_TREE_BIN/leadrouted
	FLOW_LEADROUTE=$LR_TREE_BIN/leadroute
}

# flow_user - a user of leadroute.conf with a Maildir mailbox.
flow_user() {
	local id=$1 keys=${2:-}
	local name
	name="$(tr '[:lower:]' '[:upper:]' <<<"${id:0:1}")${id:1} Rep"
	FLOW_USERS+=("{ id = \"$id\"; name = \"$name\"; email = \"$id@$FLOW_REPS\"; $keys }")
	postfix_add_mailbox "$id@$FLOW_REPS"
}

# flow_mailbox - a Maildir mailbox for an address that is nobody here.
flow_mailbox() {
	postfix_add_mailbox "$1"
}

# flow_config - write leadroute.conf (see the contract).
flow_config() {
	local rules=$1 workflow=${2:-} server=${3:-} users
	users=$(printf '  %s,\n' "${FLOW_USERS[@]}")
	# A busy test Postfix may answer 4xx once: retry in seconds, not a minute.
	case $server in *retry_first*) ;; *) server="retry_first = 1; retry_max = 4; $server" ;; esac
	cat >"$FLOW_CONF" <<EOF
server: {
  name = "flow"; domain = "$FLOW_DOMAIN";
  listen = ["unix:$FLOW_SOCK"];
  home = "$FLOW_HOME";
  smtp = "$FLOW_SMTP";
  from = "Lead Desk <desk@$FLOW_DOMAIN>";
  templates = "$LR_TREE_TEMPLATES";
  $server
};
users = (
${users%,}
);
rules = ( $rules );
workflow: { $workflow };
EOF
	chown nobody: "$FLOW_CONF"
	flow_cli check -c "$FLOW_CONF" >"$LR_TMP/check.out" 2>&1 ||
		lr_fail "leadroute check: $(cat "$LR_TMP/check.out")"
}

# flow_daemon_start - start leadrouted as nobody and wait for its socket
# (setpriv, not a shell function: the PID must be the daemon's own).
flow_daemon_start() {
	if ! lr_daemon_start "$FLOW_LOG.new" "unix:$FLOW_SOCK" 20 \
		setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups \
		"$FLOW_LEADROUTED" -c "$FLOW_CONF" -f; then
		cat "$FLOW_LOG.new" >&2
		lr_fail "leadrouted did not listen on $FLOW_SOCK (exit ${LR_DAEMON_EXIT:-none})"
	fi
	FLOW_PID=$LR_DAEMON_PID
}

# flow_daemon_stop - SIGTERM leadrouted; it must exit 0.
flow_daemon_stop() {
	local status
	[ -n "$FLOW_PID" ] || return 0
	lr_kill_child "$FLOW_PID" 20 || lr_fail "leadrouted $FLOW_PID did not stop"
	wait "$FLOW_PID"
	status=$?
	cat "$FLOW_LOG.new" >>"$FLOW_LOG"
	FLOW_PID=
	[ "$status" = 0 ] || { tail -20 "$FLOW_LOG" >&2; lr_fail "leadrouted exited $status"; }
}

# flow_start - Postfix, then leadrouted.
flow_start() {
	postfix_start
	flow_daemon_start
	lr_on_exit flow__dump_on_failure
}

# flow__dump_on_failure - the logs when the test failed (exit status != 0).
flow__dump_on_failure() {
	[ "${status:-0}" = 0 ] && return 0
	[ "$status" = 77 ] && return 0
	echo "--- leadrouted log (tail)" >&2
	tail -n 40 "$FLOW_LOG" "$FLOW_LOG.new" >&2 2>/dev/null
	echo "--- maillog (tail)" >&2
	tail -20 "$PF_LOG" >&2 2>/dev/null
}

# flow_inject - one inquiry into Postfix (sendmail), fresh Message-ID.
flow_inject() {
	local file=$1 mid=${2:-flow-$RANDOM$RANDOM-$SECONDS@inquiry.test} source=${3:-website}
	sed -e '/^Message-I[Dd]:/Id' -e "1i Message-ID: <$mid>" "$file" |
		postfix_sendmail "form@inquiry.test" "leads+$source@$FLOW_DOMAIN" ||
		lr_fail "sendmail of $file"
}

# flow__maildir - the Maildir of a user id or an address.
flow__maildir() {
	case $1 in
	*@*) postfix_maildir "$1" ;;
	*) postfix_maildir "$1@$FLOW_REPS" ;;
	esac
}

# flow_mails - notification paths (kind and lead optional), oldest first.
flow_mails() {
	python3 "$FLOW_PY" mails "$(flow__maildir "$1")" ${2:+--kind "$2"} ${3:+--lead "$3"}
}

# flow_count - how many notifications match.
flow_count() {
	flow_mails "$@" | grep -c .
}

# flow_has - true when at least N mails match (ID|ADDR KIND LEAD N).
flow_has() {
	[ "$(flow_count "$1" "$2" "$3")" -ge "$4" ]
}

# flow_wait_mail - wait for the Nth matching mail; print the newest.
flow_wait_mail() {
	local who=$1 kind=$2 lead=${3:-} n=${4:-1} secs=${5:-30}
	if ! lr_wait_until "$secs" flow_has "$who" "$kind" "$lead" "$n"; then
		echo "mail of $who: $(flow_mails "$who" | while read -r f; do
			python3 "$FLOW_PY" header "$f" X-Leadroute-Kind; done | tr '\n' ' ')" >&2
		lr_fail "no $kind mail #$n${lead:+ about lead $lead} for $who in ${secs}s"
	fi
	flow_mails "$who" "$kind" "$lead" | tail -1
}

# flow_lead_of - the lead id a notification is about.
flow_lead_of() {
	python3 "$FLOW_PY" header "$1" X-Leadroute-Lead
}

# flow__offered - print the id of the lead keyed MSGID once it is offered.
flow__offered() {
	local json=$LR_TMP/list.json
	flow_cli list -c "$FLOW_CONF" --json >"$json" 2>/dev/null &&
		python3 "$FLOW_PY" find "$json" "$1"
}

# flow_lead_id - the lead made of inquiry MSGID, once routed.
flow_lead_id() {
	lr_wait_until "${2:-30}" flow__offered "$1" >/dev/null ||
		lr_fail "no routed lead for <$1> after ${2:-30}s"
	flow__offered "$1"
}

# flow_assignees - the lead's assignees.
flow_assignees() {
	local json
	json=$(flow_show "$1") || exit 1
	python3 "$FLOW_PY" lead "$json" '" ".join(lead["assignees"])'
}

# flow_reply - write a reply to NOTIF from FROM and send it over SMTP to
# the notification's Reply-To (or --to).
flow_reply() {
	local notif=$1 from=$2 body=$3 msg to
	shift 3
	msg=$(mktemp "$LR_TMP/reply.XXXXXX")
	python3 "$FLOW_PY" reply "$notif" --from "$from" --body "$body" "$@" >"$msg" ||
		lr_fail "cannot write a reply to $notif"
	to=$(python3 "$FLOW_PY" header "$msg" To)
	python3 "$FLOW_PY" send "$PF_PORT" "$from" "$to" "$msg" ||
		lr_fail "postfix refused the reply to $to"
}

# flow_cli - leadroute as nobody on the daemon's home.
flow_cli() {
	flow__as_nobody "$FLOW_LEADROUTE" "$@"
}

# flow_show - the lead as JSON in a file; prints its path.
flow_show() {
	local out=$LR_TMP/show-$1.json
	flow_cli show -c "$FLOW_CONF" --json "$1" >"$out" 2>&1 ||
		lr_fail "leadroute show $1: $(cat "$out")"
	echo "$out"
}

# flow_check - fail unless the Python expression holds for lead ID.
flow_check() {
	local json
	json=$(flow_show "$1") || exit 1
	python3 "$FLOW_PY" lead "$json" "$2" >/dev/null ||
		lr_fail "lead $1: not ($2): $(python3 "$FLOW_PY" lead "$json" \
			'"status=%s assignees=%s" % (lead["status"], lead["assignees"])')" \
			"events=$(python3 "$FLOW_PY" events "$json")"
}

# flow__holds - flow_check without failing (for waits).
flow__holds() {
	local json=$LR_TMP/show-$1.json
	flow_cli show -c "$FLOW_CONF" --json "$1" >"$json" 2>/dev/null &&
		python3 "$FLOW_PY" lead "$json" "$2" >/dev/null 2>&1
}

# flow_wait_lead - wait (SECS, default 30) until EXPR holds for lead ID.
flow_wait_lead() {
	lr_wait_until "${3:-30}" flow__holds "$1" "$2" && return 0
	flow_check "$1" "$2"
}

# flow_events - the event types of lead ID in order.
flow_events() {
	local json
	json=$(flow_show "$1") || exit 1
	python3 "$FLOW_PY" events "$json"
}
