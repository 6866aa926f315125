#!/bin/sh
# cli-libs.sh - what the leadroute command loads.  Every command starts
# with the dynamic loader mapping its libraries: libcurl brought 18 more
# (56 in all, 13.7 MB resident for `leadroute --version`; 38 and 10.7 MB
# without it).  No command sends mail or posts to a partner (leadrouted
# does), so leadroute is linked without libcurl (src/Makefile.inc): the
# day a command pulls mailer's sender in, the link fails, and should the
# library come back through another door, this fails.  In every build,
# sanitizers included (Debian's gcc links --as-needed only without them).
# leadrouted does need it (so the check reads the right thing).
# leadroute-deliver, exec'd by pipe(8) once per message, maps libc alone
# when configure linked GLib and libconfig in statically (the default
# where their archives exist; LR_DELIVER_STATIC says which it did).
set -u
: "${LR_BUILDDIR:?}"
fail() { echo "FAIL: $*"; exit 1; }
command -v objdump >/dev/null || fail "objdump (binutils) is missing"

needed() { objdump -p "$1" | awk '$1 == "NEEDED" { print $2 }'; }

cli=$(needed "$LR_BUILDDIR/src/leadroute") || fail "objdump src/leadroute"
daemon=$(needed "$LR_BUILDDIR/src/leadrouted") || fail "objdump src/leadrouted"
echo "$daemon" | grep -q '^libcurl' || fail "leadrouted does not need libcurl: $daemon"
echo "$daemon" | grep -q '^libdb' || fail "cannot read leadrouted's libraries: $daemon"
if echo "$cli" | grep -q '^libcurl'; then
	fail "leadroute needs libcurl: $(echo "$cli" | tr '\n' ' ')"
fi
deliver=$(needed "$LR_BUILDDIR/src/leadroute-deliver") || fail "objdump src/leadroute-deliver"
echo "$deliver" | grep -q '^libc\.' || fail "cannot read leadroute-deliver's libraries: $deliver"
case ${LR_DELIVER_STATIC:-} in
yes)
	shared=$(echo "$deliver" | grep -E '^lib(glib|gio|gobject|config|pcre)')
	[ -z "$shared" ] || fail "leadroute-deliver is linked statically, yet needs $(echo "$shared" | tr '\n' ' ')"
	;;
no)
	echo "$deliver" | grep -q '^libglib' ||
		fail "configure linked leadroute-deliver against shared GLib, yet it does not need libglib"
	echo "NOTE: leadroute-deliver is linked against shared GLib and libconfig (--disable-static-deliver or no archives)"
	;;
*) fail "LR_DELIVER_STATIC is '${LR_DELIVER_STATIC:-}' (make check sets it from configure)" ;;
esac
echo "PASS: leadroute-deliver needs $(echo "$deliver" | tr '\n' ' ')"
echo "PASS: leadroute needs $(echo "$cli" | wc -l) libraries, none of them libcurl"
