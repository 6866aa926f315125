#!/bin/bash
# store-backup-logs.sh - a hot backup that spans the daemon's checkpoints
# keeps every log file its copied pages need.  (At 591,000 leads the
# copy's recovery failed with "Log sequence error: page LSN ...": the
# daemon's checkpoint had removed a log file between the page copy and
# the log copy.)
#
#   1. A store with 1 MB log files (Berkeley DB's DB_CONFIG set_lg_max) and
#      a daemon that checkpoints, and removes the logs no longer needed,
#      every second (LEADROUTED_TEST_CHECKPOINT_SECONDS).
#   2. 300 leads acknowledged (250); then load in the background, and
#      during it a backup whose page copy is paced to last several seconds
#      (LEADROUTE_TEST_BACKUP_PAUSE_MS): log files fill and checkpoints run
#      meanwhile.  The daemon says it kept the logs for the backup.
#   3. The logs are removed again once the backup is over; a backup killed
#      with SIGKILL midway holds them no longer either.
#   4. `leadroute restore` of the first backup, `list` there: every lead
#      of step 1, nothing the live store does not hold.
set -u
. "${LR_SRCDIR:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$LR_SRCDIR/tests/lib/leadrouted.sh"

lr_need_cmd python3 "$SMTP_SOURCE"
lr_tmpdir store-backup-logs
T=$LR_TMP
lrd_init "$T/lr" "max_sessions = 64;"
echo "set_lg_max 1048576" >"$LRD_HOME/DB_CONFIG"
[ -n "$LRD_OWNER" ] && chown "$LRD_OWNER:" "$LRD_HOME/DB_CONFIG"
lrd_sink_start
export LEADROUTED_TEST_CHECKPOINT_SECONDS=1
lrd_start || { cat "$LRD_LOG" >&2; lr_fail "leadrouted did not start (exit ${LRD_EXIT:-none})"; }
TO=leads@leads.test

# first_log - the number of the oldest log file in the live home.
first_log() {
	local f
	f=$(cd "$LRD_HOME" && ls log.* 2>/dev/null | head -1)
	echo "${f#log.}" | sed 's/^0*//'
}

# 1. Acknowledged before the backup.
lrd_send_acked 300 "$TO" "$T/acked"

# 2. The paced backup under load, while the daemon checkpoints.
lrd_load_start 300 "$TO" "$T/stop"
load=$LRD_LOAD_PID
lr_on_exit "touch '$T/stop'"
lrd_wait_stored 450 || lr_fail "the load did not start"
mkdir -p "$T/bak" "$T/bak2" && [ -n "$LRD_OWNER" ] && chown "$LRD_OWNER:" "$T/bak" "$T/bak2"
log0=$(first_log)
lines0=$(wc -l <"$LRD_LOG")
t0=$SECONDS
LEADROUTE_TEST_BACKUP_PAUSE_MS=40 lrd_cli backup "$T/bak/b" >"$T/backup.out" 2>&1 ||
	lr_fail "backup: $(cat "$T/backup.out")"
took=$((SECONDS - t0))
kill -0 $load 2>/dev/null || lr_fail "the load was over before the backup finished"
copied=$(cd "$T/bak/b" && ls log.* | head -1)
lr_log "backup under load in $took s; logs from $log0 before it, copied from ${copied#log.}"
# What the case needs is checkpoints while the backup held its mark (a
# second apart): the daemon says so each time it keeps the logs.
kept=$(tail -n +"$((lines0 + 1))" "$LRD_LOG" | grep -c 'logs kept: a backup is copying')
lr_log "checkpoints that kept the logs during the backup: $kept"
[ "$kept" -ge 2 ] || lr_fail "the paced backup ($took s) spanned $kept checkpoints that kept logs, not 2 or more"

# 3. Logs go again after the backup, and after a killed backup (the
# kernel drops its flock).  A process killed inside Berkeley DB may leave
# the environment needing recovery: then the daemon exits 75 for its
# service manager to restart it, as here.
logs_go() { [ "$(first_log)" -gt "$1" ]; }
log1=$(first_log)
lr_wait_until 30 logs_go "$log1" || lr_fail "log $log1 was not removed after the backup"
touch "$T/stop"
wait $load || lr_fail "smtp-source (load) failed: $(cat "$T/stop.out")"
lrd_keys >"$T/live" || exit 1
timeout 300 "$SMTP_SOURCE" -L -d -s 8 -m 600 -f more@example.org -t "$TO" "$LRD_UNIX" \
	>/dev/null 2>&1 &
more=$!
# Not through lrd_cli: $! must be leadroute itself (setpriv execs it).
lrd__as_user_argv
LEADROUTE_TEST_BACKUP_PAUSE_MS=100 "${LRD_AS_USER[@]}" "$LRD_CLI" backup -c "$LRD_CONF" \
	"$T/bak2/b" >"$T/killed.out" 2>&1 &
killed=$!
lr_on_exit "kill -KILL $killed 2>/dev/null"
lr_wait_until 30 bash -c "ls '$T/bak2/b'/*.db >/dev/null 2>&1" || lr_fail "the second backup did not start"
sleep 2
log2=$(first_log)
kill -KILL "$killed"
wait "$killed" 2>/dev/null
wait "$more" # it fails when the daemon restarts: its leads are not checked
sleep 2
if ! lrd_alive; then
	wait "$LRD_PID"
	lr_log "the daemon exited ($?) after the killed backup: restarting it"
	lrd_start || lr_fail "leadrouted did not restart: $(tail -5 "$LRD_LOG")"
fi
# The daemon's checkpoint (txn_checkpoint(1024 KB, 1 min)) is skipped
# until a megabyte of log or a minute has passed since the last, and the
# current log is never removed: when the load above ended soon after the
# kill, neither happens within the wait.  Write past both first.
timeout 300 "$SMTP_SOURCE" -L -d -s 8 -m 600 -f after@example.org -t "$TO" "$LRD_UNIX" \
	>/dev/null 2>&1 || lr_fail "smtp-source after the killed backup failed"
lr_wait_until 30 logs_go "$log2" || lr_fail "log $log2 was not removed after a killed backup"
lrd_stop

# 4. Restore the first backup and list it.
mkdir -p "$T/other" && [ -n "$LRD_OWNER" ] && chown "$LRD_OWNER:" "$T/other"
lrd_as_user "$LRD_CLI" restore -c "$LRD_CONF" --home "$T/other/home" "$T/bak/b" \
	>"$T/restore.out" 2>&1 || lr_fail "restore: $(cat "$T/restore.out")"
sed "s|home = \"$LRD_HOME\";|home = \"$T/other/home\";|" "$LRD_CONF" >"$T/other.conf"
lrd_as_user "$LRD_CLI" list -c "$T/other.conf" --json >"$T/restored.json" ||
	lr_fail "list on the restored home failed"
python3 - "$T/restored.json" "$T/acked" "$T/live" <<'PY' || lr_fail "the restored store is wrong"
import json, sys
keys = [l["message_key"] for l in json.load(open(sys.argv[1]))]
acked = set(open(sys.argv[2]).read().split())
live = set(open(sys.argv[3]).read().split())
missing = acked - set(keys)
assert not missing, f"{len(missing)} acknowledged leads missing, e.g. {sorted(missing)[:3]}"
assert len(keys) == len(set(keys)), "a key twice"
assert set(keys) <= live, "a lead the live store does not hold"
print(f"restored {len(keys)} leads of {len(live)}; all {len(acked)} acknowledged before")
PY
grep -q 'logs kept: a backup is copying' "$LRD_LOG" ||
	lr_fail "the daemon did not keep the logs for the backup"
lr_log "ok after $SECONDS s"
