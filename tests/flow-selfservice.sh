#!/bin/bash
# flow-selfservice.sh - a user's command address lead+u-TOKEN@, through a
# private Postfix:
#   - every notification's footer names it, HELP answers list it;
#   - STATUS lists exactly the user's open leads, each with its reply
#     address (which works: CONTACTED sent to it is obeyed);
#   - a forged sender (From anna, envelope foreign; a stranger) changes
#     nothing and no stranger gets an answer;
#   - AWAY until DATE re-routes anna's open offers at once, skips her for
#     the next leads, and is in her history (`leadroute user show`);
#   - BACK makes her available again; RULES mails her rule file;
#   - the manager's STATUS TEAM lists the team's open leads, and
#     `AWAY ben until DATE` sends ben away (ben is told).
set -u
. "${LR_SRCDIR:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$LR_SRCDIR/tests/lib/postfix.sh"
. "$LR_SRCDIR/tests/lib/flow.sh"

flow_init flow-selfservice
printf 'rules = ( { name = "mine"; when = "country == \\"DE\\""; route = { to = ["anna"]; }; } );\n' \
	>"$LR_TMP/lr/anna.rules"
chown nobody: "$LR_TMP/lr/anna.rules"
flow_user anna 'rules = "anna.rules";'
flow_user ben
flow_user carl
flow_user erik 'role = "manager"; manages = ["anna", "ben"];'
flow_mailbox mallory@outside.test
flow_config '{ name = "reps"; route = { to = ["anna", "ben"]; strategy = "round-robin"; }; }' \
	'accept_within = "1h"; max_away = "30d";'
flow_start
inquiry=$LR_SRCDIR/examples/inquiries/freeform.eml

# command_address USER - the command address in USER's newest mail footer.
command_address() {
	local m
	m=$(flow_mails "$1" | tail -1)
	python3 "$FLOW_PY" text "$m" | sed -n 's/.*Your command address: \(lead+u-[a-z2-7]*@[a-z.]*\).*/\1/p' |
		head -1
}

# command USER BODY [ENVELOPE] [FROM] - mail BODY to USER's command address.
command() {
	local user=$1 body=$2 env=${3:-$1@$FLOW_REPS} from=${4:-$1@$FLOW_REPS} msg
	msg=$(mktemp "$LR_TMP/cmd.XXXXXX")
	printf 'From: %s\nTo: %s\nSubject: %s\nMessage-ID: <%s@reps.test>\nDate: %s\n\n%s\n' \
		"$from" "${ADDR[$user]}" "${body%% *}" "cmd-$RANDOM$RANDOM" "$(date -R)" "$body" >"$msg"
	python3 "$FLOW_PY" send "$PF_PORT" "$env" "${ADDR[$user]}" "$msg" ||
		lr_fail "postfix refused the command to ${ADDR[$user]}"
}

# answer USER N - wait for USER's Nth command answer; print its text.
answer() {
	local m
	m=$(flow_wait_mail "$1" command "" "$2") || exit 1
	python3 "$FLOW_PY" text "$m"
}

# leads_in TEXT - the lead ids a STATUS answer lists, sorted, one line.
leads_in() {
	grep -o '^\(.*: \)\?Lead [0-9]*' <<<"$1" | grep -o '[0-9]*$' | sort -n | tr '\n' ' '
}

# --- Four leads: round-robin anna, ben, anna, ben.
ids=()
for n in 1 2 3 4; do
	flow_inject "$inquiry" "self-$n@inquiry.test"
	ids+=("$(flow_lead_id "self-$n@inquiry.test")") || exit 1
done
[ "$(flow_assignees "${ids[0]}") $(flow_assignees "${ids[1]}") $(flow_assignees "${ids[2]}")" = \
	"anna ben anna" ] || lr_fail "unexpected rotation"
declare -A ADDR
ADDR[anna]=$(command_address anna)
ADDR[ben]=$(command_address ben)
case ${ADDR[anna]} in lead+u-*@leads.test) ;; *) lr_fail "no command address in anna's footer" ;; esac
[ "${ADDR[anna]}" != "${ADDR[ben]}" ] || lr_fail "anna and ben share a command address"
lr_log "ok: the footer carries the command address ${ADDR[anna]}"

# anna accepts lead 1 (still open: accepted), lead 3 stays offered.
offer=$(flow_wait_mail anna new-lead "${ids[0]}") || exit 1
flow_reply "$offer" "anna@$FLOW_REPS" "ACCEPT"
flow_wait_lead "${ids[0]}" "lead['status'] == 'accepted'"

# --- STATUS lists exactly anna's open leads, with working reply addresses.
command anna STATUS
status=$(answer anna 1)
[ "$(leads_in "$status")" = "${ids[0]} ${ids[2]} " ] ||
	lr_fail "STATUS listed '$(leads_in "$status")', not ${ids[0]} ${ids[2]}: $status"
grep -q "^Lead ${ids[2]} offered, answer by .* - reply to lead+[a-z2-7]*@leads.test" <<<"$status" ||
	lr_fail "STATUS line of lead ${ids[2]} lacks its deadline or reply address: $status"
grep -q 'You: 2 open leads' <<<"$status" || lr_fail "STATUS count wrong: $status"
# The reply address STATUS gives for lead 1 works: CONTACTED sent to it.
ADDR[l1]=$(sed -n "s/^Lead ${ids[0]} .* - reply to \(lead+[a-z2-7]*@leads.test\)\$/\1/p" <<<"$status")
[ -n "${ADDR[l1]}" ] || lr_fail "no reply address for lead ${ids[0]} in: $status"
command l1 CONTACTED "anna@$FLOW_REPS" "anna@$FLOW_REPS"
flow_wait_lead "${ids[0]}" "'contacted' in events and lead['stage'] == 'contacted'"
lr_log "ok: STATUS listed exactly leads ${ids[0]} and ${ids[2]}"

# --- HELP: the list, with the command address.
command anna HELP
m=$(flow_wait_mail anna help) || exit 1
python3 "$FLOW_PY" text "$m" | grep -q "Your command address: ${ADDR[anna]}" ||
	lr_fail "the HELP answer lacks the command address"
python3 "$FLOW_PY" text "$m" | grep -q 'STATUS' || lr_fail "the HELP answer lacks STATUS"
python3 "$FLOW_PY" text "$m" | grep -q 'CAPACITY <N>' || lr_fail "the HELP answer lacks CAPACITY"

# --- Forged: From anna with a foreign envelope; a stranger; ben's token.
command anna "AWAY until 31 December 2099" mallory@outside.test
command anna "AWAY until 31 December 2099" mallory@outside.test mallory@outside.test
ADDR[fake]=${ADDR[ben]}
command fake "AWAY until 31 December 2099" "anna@$FLOW_REPS" "anna@$FLOW_REPS"
lr_wait_until 30 sh -c "[ \$(grep -c 'command unverified' '$FLOW_LOG.new') -ge 3 ]" ||
	lr_fail "the forged commands were not all logged"
postfix_wait_delivered 30 || lr_fail "mail left in the Postfix queue"
[ "$(flow_cli user show -c "$FLOW_CONF" anna | head -1)" = "anna: available" ] ||
	lr_fail "a forged AWAY marked anna away"
flow_check "${ids[2]}" "lead['assignees'] == ['anna']"
[ "$(flow_count mallory@outside.test)" = 0 ] || lr_fail "the stranger got an answer"
lr_log "ok: forged commands changed nothing"

# --- AWAY until a date: anna's open offer (lead 3) moves on at once.
until=$(date -d '+10 days' '+%Y-%m-%d')
command anna "AWAY until $until at a trade fair"
away=$(answer anna 2)
grep -q "You are away until ${until}T.*: no new leads until then; 1 open offer moved on" \
	<<<"$away" || lr_fail "AWAY answer: $away"
flow_wait_lead "${ids[2]}" "lead['assignees'] == ['ben'] and 'away' in events"
flow_check "${ids[0]}" "lead['assignees'] == ['anna'] and lead['status'] == 'accepted'"
case $(flow_cli user show -c "$FLOW_CONF" anna | head -1) in
"anna: away until ${until}"*) ;;
*) lr_fail "anna is $(flow_cli user show -c "$FLOW_CONF" anna | head -1)" ;;
esac
flow_cli user show -c "$FLOW_CONF" anna | grep -q "user-away by anna: user=anna until .* by mail: until $until at a trade fair" ||
	lr_fail "AWAY is not in anna's history: $(flow_cli user show -c "$FLOW_CONF" anna)"
for n in 5 6; do
	flow_inject "$inquiry" "self-$n@inquiry.test"
	lid=$(flow_lead_id "self-$n@inquiry.test") || exit 1
	[ "$(flow_assignees "$lid")" = ben ] || lr_fail "lead $lid went to anna while away"
done
lr_log "ok: AWAY moved lead ${ids[2]} to ben and anna is skipped"

# --- BACK.
command anna BACK
back=$(answer anna 3)
grep -q 'You are back' <<<"$back" || lr_fail "BACK answer: $back"
lr_wait_until 30 sh -c "setpriv --reuid=nobody --regid=$(id -g nobody) --clear-groups \
	'$FLOW_LEADROUTE' user show -c '$FLOW_CONF' anna | head -1 | grep -qx 'anna: available'" ||
	lr_fail "BACK did not make anna available"
flow_cli user show -c "$FLOW_CONF" anna | grep -q 'user-back by anna: user=anna by mail' ||
	lr_fail "BACK is not in anna's history"
lr_log "ok: BACK"

# --- RULES: her own file, read-only.
command anna RULES
rules=$(answer anna 4)
grep -qF 'name = "mine"; when = "country == \"DE\""' <<<"$rules" || lr_fail "RULES did not send the rule file: $rules"

# --- CAPACITY: anna has one open lead (lead 1); at capacity 1 she is
# skipped, at 5 she gets leads again.  A bad number changes nothing.
command anna "CAPACITY lots"
answer anna 5 | grep -q "CAPACITY takes a number of open leads from 0 (no limit) to 1000" ||
	lr_fail "CAPACITY lots was not refused"
command anna "CAPACITY 1001"
answer anna 6 | grep -q "CAPACITY takes a number" || lr_fail "CAPACITY 1001 was not refused"
flow_cli user show -c "$FLOW_CONF" anna | grep -qx '  capacity: no limit' ||
	lr_fail "a refused CAPACITY changed it: $(flow_cli user show -c "$FLOW_CONF" anna)"
command anna "CAPACITY 1"
cap=$(answer anna 7)
grep -q "Your capacity is now: 1 open leads; no new leads while you have that many. You have 1 open now." \
	<<<"$cap" || lr_fail "CAPACITY 1 answer: $cap"
show=$(flow_cli user show -c "$FLOW_CONF" anna)
grep -qx '  capacity: 1 (set by mail)' <<<"$show" && grep -qx '  open leads: 1' <<<"$show" ||
	lr_fail "user show after CAPACITY 1: $show"
grep -q "user-capacity by anna: user=anna capacity=1 by mail" <<<"$show" ||
	lr_fail "CAPACITY is not in anna's history: $show"
for n in c1 c2; do
	flow_inject "$inquiry" "self-$n@inquiry.test"
	lid=$(flow_lead_id "self-$n@inquiry.test") || exit 1
	[ "$(flow_assignees "$lid")" = ben ] || lr_fail "lead $lid went to anna at capacity"
done
command anna "CAPACITY 5"
answer anna 8 | grep -q "Your capacity is now: 5 open leads" || lr_fail "CAPACITY 5 answer wrong"
flow_inject "$inquiry" self-c3@inquiry.test
lid=$(flow_lead_id self-c3@inquiry.test) || exit 1
[ "$(flow_assignees "$lid")" = anna ] || lr_fail "lead $lid did not go to anna under capacity 5"
lr_log "ok: CAPACITY by mail sets anna's capacity and routing keeps it"

# --- The manager: STATUS TEAM, AWAY ben.
flow_inject "$inquiry" self-7@inquiry.test
flow_lead_id self-7@inquiry.test >/dev/null || exit 1
# erik has had no mail yet: ben forwards him lead 2.
offer=$(flow_wait_mail ben new-lead "${ids[1]}") || exit 1
flow_reply "$offer" "ben@$FLOW_REPS" "FORWARD erik"
flow_wait_mail erik "" "${ids[1]}" >/dev/null || exit 1
ADDR[erik]=$(command_address erik)
case ${ADDR[erik]} in lead+u-*@leads.test) ;; *) lr_fail "no command address in erik's mail" ;; esac
expect=$(flow_cli list -c "$FLOW_CONF" --json | python3 -c '
import json, sys
leads = json.load(sys.stdin)
print(" ".join(str(l["id"]) for l in sorted(leads, key=lambda l: l["id"])
      if l["status"] in ("offered", "accepted") and set(l["assignees"]) & {"anna", "ben"}))')
command erik "STATUS TEAM"
team=$(answer erik 1)
[ "$(leads_in "$team")" = "$expect " ] || lr_fail "STATUS TEAM listed '$(leads_in "$team")', not '$expect': $team"
grep -q '^ben: Lead ' <<<"$team" || lr_fail "STATUS TEAM does not name the assignees: $team"
command erik "AWAY ben until $until"
answer erik 2 | grep -q "ben is away until" || lr_fail "AWAY ben answer wrong"
flow_wait_mail ben command >/dev/null || exit 1
case $(flow_cli user show -c "$FLOW_CONF" ben | head -1) in
"ben: away until ${until}"*) ;;
*) lr_fail "ben is $(flow_cli user show -c "$FLOW_CONF" ben | head -1)" ;;
esac
# A manager cannot send away someone they do not manage.
command erik "AWAY carl until $until"
answer erik 3 | grep -q 'only yourself and the people you manage' || lr_fail "AWAY carl was obeyed"
[ "$(flow_cli user show -c "$FLOW_CONF" carl | head -1)" = "carl: available" ] ||
	lr_fail "erik sent carl away"
lr_log "ok: STATUS TEAM and AWAY ben by the manager"

postfix_wait_delivered 30 || lr_fail "mail left in the Postfix queue"
flow_daemon_stop
lr_log "ok: self-service by mail"
