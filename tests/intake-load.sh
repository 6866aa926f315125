#!/bin/bash
# intake-load.sh - the real leadrouted under load stores every message once.
#
#   1. Postfix's smtp-source pushes 3,000 distinct messages (each its own
#      Message-Id) over 16 cached LMTP sessions (-d) to the unix socket, and
#      300 more, one session each, to the TCP listener: 3,300 leads, every
#      message_key once.
#   2. The same Message-IDs again (tests/lmtp-client.py --ids-file, with new
#      content): all 250, no new lead.
#   3. One file with a fixed Message-ID sent 400 times over 16 concurrent
#      sessions (smtp-source -F): exactly one lead; a file without a
#      Message-ID 200 times: one lead (the key is the content digest); such a
#      file through leadroute-deliver as is and with a Received line in
#      front (trace headers are left out of the digest): one lead.
#   4. The corpus (tests/corpus/inquiries/*.eml) through smtp-source -F,
#      through `leadroute deliver` and through src/leadroute-deliver (each
#      path with Message-IDs of its own): stored once ("lead N stored", the
#      raw bytes kept exactly), again "already stored", nothing added.
#   5. Every lead gets parsed and routed; SIGTERM stops the daemon with 0;
#      its log holds no GLib CRITICAL or WARNING.
set -u
. "${LR_SRCDIR:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$LR_SRCDIR/tests/lib/leadrouted.sh"

lr_need_cmd python3 "$SMTP_SOURCE"
lr_tmpdir intake-load
T=$LR_TMP
CLIENT=$LR_SRCDIR/tests/lmtp-client.py
lrd_init "$T/lr" "max_sessions = 64;"
lrd_sink_start
lrd_start || { cat "$LRD_LOG" >&2; lr_fail "leadrouted did not start (exit ${LRD_EXIT:-none})"; }
TO=leads@leads.test

# check_leads WANT WHAT - exactly WANT leads, no message_key twice.
check_leads() {
	local want=$1 what=$2 got dups
	got=$(lrd_count) || exit 1
	[ "$got" = "$want" ] || lr_fail "$what: $got leads stored, want $want"
	dups=$(lrd_dup_keys) || exit 1
	[ -z "$dups" ] || lr_fail "$what: keys stored twice: $(echo "$dups" | head -5)"
	lr_log "$what: $got leads, no key twice"
}

# 1. Load from smtp-source (its Message-Ids are <pid.session.msg@host>).
t0=$SECONDS
timeout 300 "$SMTP_SOURCE" -L -d -s 16 -m 3000 -l 1500 -f form@example.org -t "$TO" \
	"$LRD_UNIX" || lr_fail "smtp-source (unix, 3000 over 16 sessions) failed"
timeout 300 "$SMTP_SOURCE" -L -s 16 -m 300 -f form@example.org -t "$TO" "$LRD_INET" ||
	lr_fail "smtp-source (inet, 300) failed"
lr_log "3,300 messages in $((SECONDS - t0)) s"
check_leads 3300 "smtp-source load"
lrd_keys >"$T/keys" || exit 1
[ "$(grep -c '@' "$T/keys")" = 3300 ] || lr_fail "message keys are not Message-IDs: $(head -3 "$T/keys")"

# 2. The same Message-IDs again, new content: one lead each still.
python3 "$CLIENT" load "$LRD_UNIX" --ids-file "$T/keys" --sessions 16 --deadline 240 \
	--report "$T/again.json" >&2 || lr_fail "resending the 3,300 Message-IDs failed"
check_leads 3300 "the same Message-IDs again"

# 3. Concurrent copies of one message: with and without a Message-ID.
printf 'From: Form <form@example.org>\nTo: %s\nSubject: the same one\nMessage-ID: <same-one@e2e.test>\n\nName: Same One\nCompany: Copy Ltd\n' \
	"$TO" >"$T/same.eml"
timeout 120 "$SMTP_SOURCE" -L -d -s 16 -m 400 -F "$T/same.eml" -f form@example.org \
	-t "$TO" "$LRD_UNIX" || lr_fail "smtp-source -F same.eml failed"
check_leads 3301 "400 copies of one Message-ID"
printf 'From: Form <form@example.org>\nTo: %s\nSubject: no id\n\nName: No Id\nCompany: Digest Ltd\n' \
	"$TO" >"$T/noid.eml"
timeout 120 "$SMTP_SOURCE" -L -d -s 16 -m 200 -F "$T/noid.eml" -f form@example.org \
	-t "$TO" "$LRD_INET" || lr_fail "smtp-source -F noid.eml failed"
# Without a Message-ID through leadroute-deliver: once as is, once with a
# Received line in front (a trace header, not in the digest): one lead.
sed 's/Digest Ltd/Pipe Digest Ltd/' "$T/noid.eml" >"$T/noid-pipe.eml"
{ printf 'Received: from relay.example.org by mx.leads.test; Mon, 2 Nov 2026 10:00:00 +0000\n'
	cat "$T/noid-pipe.eml"; } >"$T/noid-received.eml"
for f in noid-pipe noid-received; do
	lrd_as_user "$LRD_DELIVER" -c "$LRD_CONF" -r "$TO" -s form@example.org <"$T/$f.eml" \
		>"$T/$f.out" || lr_fail "leadroute-deliver $f.eml: $(cat "$T/$f.out")"
done
grep -q 'stored' "$T/noid-pipe.out" || lr_fail "noid-pipe.eml: $(cat "$T/noid-pipe.out")"
grep -q 'already stored' "$T/noid-received.out" ||
	lr_fail "a Received line made a new lead of the same content: $(cat "$T/noid-received.out")"
check_leads 3303 "200 copies without a Message-ID (and one through the pipe)"

# deliver_twice PROG NAME FILE - deliver FILE with PROG twice: stored, then
# already stored; the stored raw message is FILE's bytes.
deliver_twice() {
	local prog=$1 name=$2 file=$3 out id
	# shellcheck disable=SC2086
	out=$(lrd_as_user $prog -c "$LRD_CONF" -r leads+corpus@leads.test -s form@example.org <"$file") ||
		lr_fail "$name $file: exit $?: $out"
	case $out in "2.0.0 lead "*" stored") ;; *) lr_fail "$name $file: '$out'" ;; esac
	id=$(echo "$out" | awk '{ print $3 }')
	lrd_cli show --raw "$id" >"$T/raw.out" || lr_fail "show --raw $id"
	cmp -s "$T/raw.out" "$file" || lr_fail "$name $file: lead $id raw differs from the file"
	# shellcheck disable=SC2086
	out=$(lrd_as_user $prog -c "$LRD_CONF" -r leads+corpus@leads.test -s form@example.org <"$file") ||
		lr_fail "$name $file again: exit $?: $out"
	[ "$out" = "2.0.0 lead $id already stored" ] || lr_fail "$name $file again: '$out'"
}

# 4. The corpus through smtp-source, leadroute deliver, leadroute-deliver.
corpus=$(lr_corpus inquiries) || exit 1
n=$(find "$corpus" -maxdepth 1 -name '*.eml' | wc -l)
[ "$n" -gt 0 ] || lr_fail "no inquiries in $corpus"
want=3303
for f in "$corpus"/*.eml; do
	timeout 60 "$SMTP_SOURCE" -L -d -s 4 -m 8 -F "$f" -f form@example.org \
		-t leads+corpus@leads.test "$LRD_UNIX" || lr_fail "smtp-source -F $f"
done
want=$((want + n))
check_leads "$want" "corpus over LMTP, 8 copies each"
for f in "$corpus"/*.eml; do
	timeout 60 "$SMTP_SOURCE" -L -m 2 -F "$f" -f form@example.org \
		-t leads+corpus@leads.test "$LRD_INET" || lr_fail "smtp-source -F $f again"
done
check_leads "$want" "corpus over LMTP again"
mkdir -p "$T/cli" "$T/pipe"
for f in "$corpus"/*.eml; do
	b=${f##*/}
	sed 's/^\(Message-I[Dd]: *<\)/\1cli-/' "$f" >"$T/cli/$b"
	sed 's/^\(Message-I[Dd]: *<\)/\1pipe-/' "$f" >"$T/pipe/$b"
	deliver_twice "$LRD_CLI deliver" "leadroute deliver" "$T/cli/$b"
	deliver_twice "$LRD_DELIVER" "leadroute-deliver" "$T/pipe/$b"
done
want=$((want + 2 * n))
check_leads "$want" "corpus through leadroute deliver and leadroute-deliver"

# 5. Everything is parsed and routed; a clean stop.
lrd_wait_routed 180 || lr_fail "$(lrd_status_count new) leads still new after 180 s"
lrd_alive || lr_fail "leadrouted died: $(tail -5 "$LRD_LOG")"
lrd_stop 30 || lr_fail "leadrouted did not stop on SIGTERM"
[ "$LRD_EXIT" = 0 ] || { tail -20 "$LRD_LOG" >&2; lr_fail "leadrouted exited $LRD_EXIT on SIGTERM"; }
check_leads "$want" "after the stop"
# No GLib warning either: an unprivileged daemon whose niced router gave its
# pool threads nice 0 once logged "Failed to set scheduler settings".
lrd_log_clean
echo "PASS: $want leads, each message once"
