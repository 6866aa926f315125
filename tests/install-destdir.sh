#!/bin/sh
# install-destdir.sh - make install DESTDIR=TMP puts the programs,
# templates, man pages, the systemd unit and the example deployment (as
# documentation) in place, never over the admin's configuration; the
# INSTALLED leadroute checks the INSTALLED example with the INSTALLED
# templates; make uninstall DESTDIR=TMP leaves no file of ours.  It runs
# make in the build tree, so it works in a clone and under make distcheck.
set -u
: "${LR_SRCDIR:=.}" "${LR_BUILDDIR:=.}"
B=$(cd "$LR_BUILDDIR" && pwd)
T=$(mktemp -d /tmp/lr-install.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
D="$T/root"
fail=0
# What the parent make passed (TESTS=..., -j and its jobserver) is not for
# this make.
mk() { env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u TESTS make -C "$B" "$@"; }
bad() { echo "FAIL: $*"; fail=1; }

mk -s lr-install-dirs > "$T/dirs" || { echo "FAIL: make lr-install-dirs"; exit 1; }
. "$T/dirs"
for v in bindir sbindir pkgdatadir docdir mandir sysconfdir; do
	eval "[ -n \"\${$v:-}\" ]" || { echo "FAIL: make lr-install-dirs gave no $v"; exit 1; }
done

# The admin's configuration exists: install must leave it alone.
mkdir -p "$D$sysconfdir/leadroute"
echo "# the admin's own" > "$D$sysconfdir/leadroute/leadroute.conf"

if ! mk install DESTDIR="$D" > "$T/install.log" 2>&1; then
	cat "$T/install.log"
	echo "FAIL: make install DESTDIR=$D"
	exit 1
fi
for f in "$bindir/leadroute" "$bindir/leadroute-deliver" "$sbindir/leadrouted"; do
	[ -x "$D$f" ] || bad "not installed: $f"
done
for f in "$pkgdatadir/templates/new-lead.txt" "$pkgdatadir/templates/new-lead.html" \
	"$mandir/man1/leadroute.1" "$mandir/man5/leadroute.conf.5" \
	"$mandir/man8/leadrouted.8" "$docdir/README.md" "$docdir/postfix.md" \
	"$docdir/examples/leadroute.conf" "$docdir/examples/README.md" \
	"$docdir/examples/users/erik.conf" "$docdir/examples/tables/companies.csv" \
	"$docdir/examples/docs/fleet-tracker.txt" \
	"$docdir/examples/inquiries/contact-form.eml"; do
	[ -f "$D$f" ] || bad "not installed: $f"
done
if [ -n "${systemdsystemunitdir:-}" ]; then
	unit="$D$systemdsystemunitdir/leadrouted.service"
	[ -f "$unit" ] || bad "not installed: $systemdsystemunitdir/leadrouted.service"
	grep -qx "ExecStart=$sbindir/leadrouted -f -c $sysconfdir/leadroute/leadroute.conf" \
		"$unit" || bad "the installed unit does not start $sbindir/leadrouted"
else
	bad "configure found no systemd unit folder (--without-systemdsystemunitdir?)"
fi
grep -q '@[a-z]*dir@' "$D$mandir/man8/leadrouted.8" && bad "leadrouted.8 has unsubstituted folders"
[ "$(cat "$D$sysconfdir/leadroute/leadroute.conf")" = "# the admin's own" ] ||
	bad "make install changed $sysconfdir/leadroute/leadroute.conf"
[ "$(ls "$D$sysconfdir/leadroute")" = "leadroute.conf" ] ||
	bad "make install wrote into $sysconfdir/leadroute: $(ls "$D$sysconfdir/leadroute")"

# The installed programs on the installed example, from another folder.
example="$D$docdir/examples/leadroute.conf"
out=$(cd / && "$D$bindir/leadroute" check -c "$example" 2>&1)
[ $? -eq 0 ] && [ "$out" = "configuration OK" ] || bad "installed check of the example: $out"
"$D$sbindir/leadrouted" --help > /dev/null 2>&1 || bad "installed leadrouted --help"
# ... with the installed templates: without one of them it must fail and
# name the installed folder.
mv "$D$pkgdatadir/templates/new-lead.txt" "$T/new-lead.txt"
out=$(cd / && "$D$bindir/leadroute" check -c "$example" 2>&1)
rc=$?
mv "$T/new-lead.txt" "$D$pkgdatadir/templates/new-lead.txt"
[ "$rc" -eq 1 ] || bad "check without an installed template: exit $rc, want 1"
case "$out" in *"$D$pkgdatadir/templates"*) ;;
*) bad "check did not read the installed templates: $out" ;; esac

if ! mk uninstall DESTDIR="$D" > "$T/uninstall.log" 2>&1; then
	cat "$T/uninstall.log"
	bad "make uninstall DESTDIR=$D"
fi
left=$(cd "$D" && find . ! -type d ! -path ".$sysconfdir/leadroute/leadroute.conf" | sort)
[ -z "$left" ] || bad "make uninstall left: $left"
[ -f "$D$sysconfdir/leadroute/leadroute.conf" ] || bad "make uninstall removed the admin's file"
[ "$fail" -eq 0 ] && echo "PASS: install, installed check, uninstall under DESTDIR"
exit "$fail"
