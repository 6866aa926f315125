#!/bin/bash
# store-backup.sh - `leadroute backup` is a consistent hot copy while the
# daemon takes mail, and `leadroute restore` makes a home of it.
#
#   1. 400 messages over LMTP, all acknowledged (250): their Message-IDs.
#   2. 3,000 more from smtp-source over 8 sessions in the background, and
#      during that load `leadroute backup DIR` (hot: the daemon runs).
#   3. `leadroute restore --home OTHER DIR`, and `leadroute list` with a
#      configuration whose home is OTHER: every lead of step 1 is there,
#      no key twice, nothing that the live store does not hold, each lead
#      with its raw message (`show --raw`); the restored store takes new
#      leads.  A second backup into the same folder is refused.
set -u
. "${LR_SRCDIR:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$LR_SRCDIR/tests/lib/leadrouted.sh"

lr_need_cmd python3 "$SMTP_SOURCE"
lr_tmpdir store-backup
T=$LR_TMP
lrd_init "$T/lr" "max_sessions = 64;"
lrd_sink_start
lrd_start || { cat "$LRD_LOG" >&2; lr_fail "leadrouted did not start (exit ${LRD_EXIT:-none})"; }
TO=leads@leads.test

# 1. Acknowledged before the backup.
lrd_send_acked 400 "$TO" "$T/acked"

# 2. The backup under load.
# The load runs in rounds until the backup is done (a fixed count could end
# before a slow backup does, and then the backup was not under load).
lrd_load_start 500 "$TO" "$T/stop"
load=$LRD_LOAD_PID
lrd_wait_stored 600 || lr_fail "the load did not start"
mkdir -p "$T/bak" && [ -n "$LRD_OWNER" ] && chown "$LRD_OWNER:" "$T/bak"
t0=$SECONDS
lrd_cli backup "$T/bak" >"$T/backup.out" 2>&1 || lr_fail "backup: $(cat "$T/backup.out")"
lr_log "backup under load in $((SECONDS - t0)) s"
kill -0 $load 2>/dev/null || lr_fail "the load was over before the backup finished"
touch "$T/stop"
wait $load || lr_fail "smtp-source (load) failed: $(cat "$T/stop.out")"
if lrd_cli backup "$T/bak" >"$T/again.out" 2>&1; then
	lr_fail "a second backup into the same folder was not refused"
fi
grep -q 'already holds a store' "$T/again.out" || lr_fail "backup again: $(cat "$T/again.out")"
lrd_keys >"$T/live" || exit 1
lrd_stop

# 3. Restore into another folder and list there.
mkdir -p "$T/other" && [ -n "$LRD_OWNER" ] && chown "$LRD_OWNER:" "$T/other"
lrd_as_user "$LRD_CLI" restore -c "$LRD_CONF" --home "$T/other/home" "$T/bak" \
	>"$T/restore.out" 2>&1 || lr_fail "restore: $(cat "$T/restore.out")"
sed "s|home = \"$LRD_HOME\";|home = \"$T/other/home\";|" "$LRD_CONF" >"$T/other.conf"
grep -q "$T/other/home" "$T/other.conf" || lr_fail "no restored home in the configuration"
lrd_as_user "$LRD_CLI" list -c "$T/other.conf" --json >"$T/restored.json" ||
	lr_fail "list on the restored home failed"
python3 - "$T/restored.json" "$T/acked" "$T/live" <<'PY' || lr_fail "the restored store is wrong"
import json, sys
leads = json.load(open(sys.argv[1]))
keys = [l["message_key"] for l in leads]
acked = set(open(sys.argv[2]).read().split())
live = set(open(sys.argv[3]).read().split())
missing = acked - set(keys)
assert not missing, f"{len(missing)} acknowledged leads missing, e.g. {sorted(missing)[:3]}"
assert len(keys) == len(set(keys)), "a key twice"
assert set(keys) <= live, "a lead the live store does not hold"
print(f"restored {len(keys)} leads of {len(live)}; all {len(acked)} acknowledged before")
PY
for id in $(python3 -c 'import json,sys; print(" ".join(str(l["id"]) for l in json.load(open(sys.argv[1]))[::97]))' "$T/restored.json"); do
	lrd_as_user "$LRD_CLI" show -c "$T/other.conf" --raw "$id" | grep -q '^Message-Id:' ||
		lr_fail "lead $id has no raw message in the restored store"
done
printf 'From: a@example.org\nTo: %s\nMessage-ID: <after-restore@x>\n\nName: After\n' "$TO" |
	lrd_as_user "$LRD_DELIVER" -c "$T/other.conf" -r "$TO" -s a@example.org >"$T/after.out" ||
	lr_fail "the restored store takes no lead: $(cat "$T/after.out")"
lr_log "ok"
