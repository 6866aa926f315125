#!/bin/bash
# report-digest.sh - workflow.digest end to end: two managers of two teams
# each receive, on a short schedule through the outbox and a private
# Postfix, a mail with the HTML report inline and attached, showing only
# their own team's leads.
set -u
. "${LR_SRCDIR:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$LR_SRCDIR/tests/lib/postfix.sh"
. "$LR_SRCDIR/tests/lib/flow.sh"

flow_init report-digest
flow_user anna 'team = "north";'
flow_user ben 'team = "south";'
flow_user mia 'role = "manager"; team = "north"; manages = ["anna"];'
flow_user sam 'role = "manager"; team = "south"; manages = ["ben"];'
flow_config '{ name = "south"; when = "source == '"'south'"'"; route = "ben"; },
	{ name = "all"; route = "anna"; }' \
	'accept_within = "1h"; digest = { to = ["managers"]; when = "every 3s"; by = "user"; };'
flow_start

inquiry=$LR_SRCDIR/examples/inquiries/contact-form.eml
flow_inject "$inquiry" digest-1@inquiry.test north
flow_inject "$inquiry" digest-2@inquiry.test north
flow_inject "$inquiry" digest-3@inquiry.test south
flow_wait_mail anna new-lead "" 2 60 >/dev/null || exit 1
flow_wait_mail ben new-lead "" 1 60 >/dev/null || exit 1

# digest_shows WHO LEADS YES NO - the newest digest of WHO has the page
# inline and attached, LEADS in the leads tile, rep YES and not rep NO.
digest_shows() {
	local who=$1 leads=$2 yes=$3 no=$4 mail
	mail=$(flow_mails "$who" digest | tail -1)
	[ -n "$mail" ] || return 1
	python3 - "$mail" "$leads" "$yes" "$no" <<'PY'
import email, email.policy, sys
msg = email.message_from_binary_file(open(sys.argv[1], "rb"), policy=email.policy.default)
pages = {}
for part in msg.walk():
    if part.get_content_type() == "text/html":
        pages[part.get_content_disposition()] = part.get_content()
assert msg["Subject"].startswith("Lead report: team "), msg["Subject"]
assert set(pages) == {"inline", "attachment"}, pages.keys()
att = [p for p in msg.walk() if p.get_content_disposition() == "attachment"]
assert att[0].get_filename() == "lead-report.html"
page = pages["attachment"]
assert pages["inline"] == page
tile = 'id="tile-leads"><div class="k">Leads</div><div class="v">%s</div>' % sys.argv[2]
sys.exit(0 if tile in page and ">%s</text>" % sys.argv[3] in page
         and ">%s</text>" % sys.argv[4] not in page and "<script" not in page else 1)
PY
}
lr_wait_until 60 digest_shows mia 2 anna ben ||
	lr_fail "mia's digest does not show north's 2 leads (anna only): $(flow_mails mia digest | tail -1)"
lr_wait_until 30 digest_shows sam 1 ben anna ||
	lr_fail "sam's digest does not show south's 1 lead (ben only)"
# The reps get no digest, and the schedule repeats.
[ "$(flow_count anna digest)" -eq 0 ] || lr_fail "anna got a digest"
n=$(flow_count mia digest)
lr_wait_until 30 flow_has mia digest "" $((n + 1)) || lr_fail "no second digest for mia"
flow_daemon_stop
lr_log "ok: mia (north) and sam (south) get their own team's report by mail"
