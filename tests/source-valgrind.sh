#!/bin/bash
# source-valgrind.sh - leadrouted's mailbox sources under valgrind: a few
# messages over IMAPS (certificate verified, moved to Processed), over
# POP3S (deleted) and one over max_message_size (quarantined unread),
# from a real Dovecot; then SIGHUP with one source removed and SIGTERM.
# memcheck (G_SLICE=always-malloc, G_DEBUG=gc-friendly, GLib's
# suppressions and tests/valgrind.supp) must find no invalid read or
# write and no definite leak (--error-exitcode=3).  In a sanitizer build
# (valgrind cannot run one) the same run is checked by ASan and LSan.
set -u
. "${LR_SRCDIR:-$(dirname "$0")/..}/tests/lib/common.sh"
. "$LR_SRCDIR/tests/lib/sources.sh"

command -v valgrind >/dev/null || lr_fail "valgrind not installed (scripts/deps.sh)"
src_init source-valgrind '' vi vp
src_put vi vi 4
src_put vi vbig 1 300000
src_put vp vp 3
cat >>"$LRD_CONF" <<EOF
sources = (
  { id = "vi"; url = "imaps://vi@127.0.0.1:$DV_IMAPS_PORT/INBOX"; password_file = "pw";
    ca_file = "$DV_CA"; after = "move:Processed"; idle = true; poll = "2s";
    max_message_size = 100000; recipient = "leads+vi@acme.test"; },
  { id = "vp"; url = "pop3s://vp@127.0.0.1:$DV_POP3S_PORT"; password_file = "pw";
    ca_file = "$DV_CA"; after = "delete"; poll = "2s"; recipient = "leads+vp@acme.test"; }
);
EOF
cp "$LRD_CONF" "$T/two.conf"
dovecot_start
lrd_memcheck_start 180
stored() {
	grep -c "source=$1 uid=.*status=stored" "$LRD_LOG"
}
lr_wait_until 240 eval '[ "$(stored vi)" = 4 ] && [ "$(stored vp)" = 3 ]' ||
	lr_fail "under valgrind: vi $(stored vi) of 4, vp $(stored vp) of 3"
lr_wait_until 60 grep -q "source=vi uid=.* status=quarantined" "$LRD_LOG" || lr_fail "the big one not quarantined"
# A reload that stops one source's thread.
sed -i '/id = "vp"/,/recipient = "leads+vp/d' "$LRD_CONF"
sed -i 's/recipient = "leads+vi@acme.test"; },/recipient = "leads+vi@acme.test"; }/' "$LRD_CONF"
lrd_cli check >"$T/check.out" 2>&1 || lr_fail "check after the edit: $(cat "$T/check.out")"
kill -HUP "$LRD_PID"
lr_wait_until 120 grep -q "reload: sources: 0 started, 1 stopped, 1 unchanged" "$LRD_LOG" ||
	lr_fail "reload under valgrind: $(grep reload "$LRD_LOG")"
lrd_wait_routed 300 || lr_fail "$(lrd_status_count new) leads still new"
lrd_memcheck_stop 120
[ "$(lrd_count)" = 7 ] || lr_fail "$(lrd_count) leads, want 7"
lr_log "ok: 7 leads over IMAPS and POP3S, a quarantine and a reload under valgrind, no errors"
