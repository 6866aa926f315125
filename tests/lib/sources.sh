# sources.sh - what the mailbox source tests (tests/source-*.sh) share
# (bash): a leadrouted and a private Dovecot with IMAP and POP3 over TLS
# (tests/lib/dovecot.sh), and generated inquiries put into its Maildirs.
# shellcheck shell=bash
#
# Source common.sh first; this file sources leadrouted.sh and dovecot.sh.
#
# Contract:
#   src_init NAME [SERVER_LINES [USER...]]
#                  fail unless python3 and openssl are installed; then
#                  lr_tmpdir NAME, T=LR_TMP, lrd_init T/lr SERVER_LINES,
#                  dovecot_tls_init T/dv, each USER a Dovecot user with the
#                  password s3cret, and T/lr/pw (src_secret) holding it.
#                  Call before dovecot_start.
#   src_secret NAME TEXT
#                  T/lr/NAME holding TEXT: mode 0600, the daemon's own
#   src_put USER PREFIX COUNT [SIZE]
#                  COUNT inquiries of tests/source-gen.py (Message-ID
#                  <PREFIX-I@gen.test>, I from 0; padded to about SIZE
#                  bytes) into USER's new/, each written in tmp/ and owned
#                  by the mail user before it is renamed into new/, so that
#                  a running Dovecot sees whole files only.  Fast enough
#                  for 10,000 (one python process, no process per file).

. "$LR_SRCDIR/tests/lib/leadrouted.sh"
. "$LR_SRCDIR/tests/lib/dovecot.sh"

# src_init - the daemon, the Dovecot, its users and the password file.
src_init() {
	local name=$1 lines=${2:-} c u
	shift 2 2>/dev/null || shift $#
	for c in python3 openssl; do
		command -v "$c" >/dev/null || lr_fail "$c not installed (scripts/deps.sh)"
	done
	lr_tmpdir "$name"
	T=$LR_TMP
	lrd_init "$T/lr" "$lines"
	dovecot_tls_init "$T/dv"
	for u in "$@"; do
		dovecot_user "$u" s3cret
	done
	chmod 0644 "$DV_DIR/passwd"
	src_secret pw s3cret
}

# src_secret - a private file of the daemon's under T/lr.
src_secret() {
	printf '%s\n' "$2" >"$T/lr/$1" && chmod 0600 "$T/lr/$1" || lr_fail "cannot write $T/lr/$1"
	[ -z "$LRD_OWNER" ] || chown "$LRD_OWNER:" "$T/lr/$1" || lr_fail "cannot chown $T/lr/$1"
}

# src_put - generated inquiries into a user's Maildir.
src_put() {
	local md gen=$T/gen-$2
	md=$(dovecot_maildir "$1")
	python3 "$LR_SRCDIR/tests/source-gen.py" "$(lr_corpus)" "$gen" "$3" "$2" ${4:+"$4"} ||
		lr_fail "cannot generate messages"
	python3 - "$gen" "$md" "$2" "$3" "$(id -u "$DV_MAIL_USER")" "$(id -g "$DV_MAIL_USER")" \
		"$$" <<'PY' || lr_fail "cannot deliver the $2 messages to $1"
import os, sys
gen, md, prefix = sys.argv[1:4]
n, uid, gid = (int(a) for a in sys.argv[4:7])
for i in range(n):
    tmp = os.path.join(md, 'tmp', '%s-%d' % (prefix, i + 1))
    os.rename(os.path.join(gen, '%s-%d.eml' % (prefix, i)), tmp)
    os.chown(tmp, uid, gid)
    os.rename(tmp, os.path.join(md, 'new', '%d.M%dP%s.%s.host' % (1700000001 + i, i + 1, sys.argv[7], prefix)))
os.rmdir(gen)
PY
}
