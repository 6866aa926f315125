#!/bin/bash
# source-maildir.sh - a Maildir source: 1,000 inquiries dropped into new/
# while leadrouted runs (and is killed with SIGKILL once in the middle)
# all become leads exactly once, and each ends in cur/ with the S flag.
set -u
. "${LR_SRCDIR:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$LR_SRCDIR/tests/lib/leadrouted.sh"

lr_need_cmd python3
lr_tmpdir source-maildir
T=$LR_TMP
N=${MAILDIR_COUNT:-1000}
lrd_init "$T/lr"
MD=$T/lr/Maildir
mkdir -p "$MD/new" "$MD/cur" "$MD/tmp" || lr_fail "mkdir $MD"
cat >>"$LRD_CONF" <<EOF
sources = ( { id = "drop"; url = "maildir:$MD"; poll = "1s"; recipient = "leads+drop@acme.test"; } );
EOF
[ -z "$LRD_OWNER" ] || chown -R "$LRD_OWNER:" "$MD"
lrd_cli check >"$T/check.out" 2>&1 || lr_fail "check: $(cat "$T/check.out")"
python3 "$LR_SRCDIR/tests/source-gen.py" "$(lr_corpus)" "$T/gen" "$N" md ||
	lr_fail "cannot generate messages"
lrd_start || lr_fail "leadrouted did not start"

# drop - deliver files FROM..TO the Maildir way: tmp/, then rename into new/.
drop() {
	local i
	for ((i = $1; i < $2; i++)); do
		cp "$T/gen/md-$i.eml" "$MD/tmp/md-$i.host" || lr_fail "cp"
		[ -z "$LRD_OWNER" ] || chown "$LRD_OWNER:" "$MD/tmp/md-$i.host"
		mv "$MD/tmp/md-$i.host" "$MD/new/$((1700000000 + i)).M$i.host" || lr_fail "mv"
	done
}
drop 0 $((N / 2))
sleep 1
lrd_kill9
lr_log "killed leadrouted with $(find "$MD/new" -type f | wc -l) files still in new/"
lrd_start || lr_fail "leadrouted did not restart"
drop $((N / 2)) "$N"

flagged() {
	find "$MD/cur" -type f -name '*:2,*S*' | wc -l
}
all_taken() {
	[ "$(flagged)" -ge "$N" ]
}
lr_wait_until 120 all_taken || lr_fail "only $(flagged) of $N flagged"
got=$(lrd_count) || exit 1
dups=$(lrd_dup_keys)
[ -z "$dups" ] || lr_fail "stored twice: $(echo "$dups" | head -3)"
[ "$got" = "$N" ] || lr_fail "$got leads for $N messages"
left=$(find "$MD/new" -type f | wc -l)
[ "$left" = 0 ] || lr_fail "$left files left in new/"
for ((i = 0; i < N; i++)); do echo "md-$i@gen.test"; done | LC_ALL=C sort >"$T/want"
lrd_keys >"$T/got"
cmp -s "$T/want" "$T/got" || lr_fail "stored keys differ from those sent: $(diff "$T/want" "$T/got" | head -5)"
lrd_stop || lr_fail "leadrouted did not stop"
[ "$LRD_EXIT" = 0 ] || lr_fail "leadrouted exited $LRD_EXIT"
lr_log "ok: $N Maildir messages, one kill, each a lead once"
