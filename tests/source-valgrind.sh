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
. "$LR_SRCDIR/tests/lib/leadrouted.sh"
. "$LR_SRCDIR/tests/lib/dovecot.sh"

for c in python3 openssl valgrind; do
	command -v "$c" >/dev/null || lr_fail "$c not installed (scripts/deps.sh)"
done
lr_tmpdir source-valgrind
T=$LR_TMP
lrd_init "$T/lr"
dovecot_tls_init "$T/dv"
dovecot_user vi s3cret
dovecot_user vp s3cret
chmod 0644 "$DV_DIR/passwd"
printf 's3cret\n' >"$T/lr/pw" && chmod 0600 "$T/lr/pw"
[ -z "$LRD_OWNER" ] || chown "$LRD_OWNER:" "$T/lr/pw"

# put USER PREFIX COUNT [SIZE] - COUNT generated messages into USER's new/.
put() {
	local md=$(dovecot_maildir "$1") f i=0
	python3 "$LR_SRCDIR/tests/source-gen.py" "$(lr_corpus)" "$T/gen-$2" "$3" "$2" ${4:+"$4"} ||
		lr_fail "cannot generate messages"
	for f in "$T/gen-$2"/*.eml; do
		i=$((i + 1))
		mv "$f" "$md/new/$((1700000000 + i)).M${i}P$$.$2.host" || lr_fail "cannot deliver $f"
	done
	chown -R "$DV_MAIL_USER:" "$md"
}
put vi vi 4
put vi vbig 1 300000
put vp vp 3
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
cp "$LR_SRCDIR/tests/valgrind.supp" "$T/valgrind.supp" && chmod a+r "$T/valgrind.supp" ||
	lr_fail "cannot copy tests/valgrind.supp"
supp=(--suppressions="$T/valgrind.supp")
glib_supp=/usr/share/glib-2.0/valgrind/glib.supp
[ -r "$glib_supp" ] && supp+=(--suppressions="$glib_supp")
memcheck=(valgrind -q --leak-check=full --errors-for-leak-kinds=definite
	--show-leak-kinds=definite --error-exitcode=3 --num-callers=30 "${supp[@]}"
	--log-file="$LRD_DIR/valgrind.log")
if grep -q __asan_init "$LRD_DAEMON"; then
	memcheck=()
	: >"$LRD_DIR/valgrind.log"
	lr_log "sanitizer build: the same run under AddressSanitizer instead of valgrind"
fi
# The daemon is an executable of its own (no libtool wrapper in this
# tree); libtool --mode=execute would run the same file.
dovecot_start
export LRD_START_SECONDS=180
lrd_start env G_SLICE=always-malloc G_DEBUG=gc-friendly "${memcheck[@]}" ||
	{ cat "$LRD_LOG" "$LRD_DIR/valgrind.log" >&2; lr_fail "leadrouted did not start under valgrind"; }
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
lrd_alive || { cat "$LRD_DIR/valgrind.log" >&2; lr_fail "leadrouted died under valgrind"; }
lrd_stop 120 || lr_fail "leadrouted under valgrind did not stop on SIGTERM"
if [ "$LRD_EXIT" != 0 ]; then
	cat "$LRD_DIR/valgrind.log" >&2
	lr_fail "valgrind exit $LRD_EXIT (3: memory errors or definite leaks)"
fi
[ "$(lrd_count)" = 7 ] || lr_fail "$(lrd_count) leads, want 7"
lr_log "ok: 7 leads over IMAPS and POP3S, a quarantine and a reload under valgrind, no errors"
