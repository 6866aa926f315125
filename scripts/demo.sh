#!/bin/sh
# demo.sh - the main job on the embedded default configuration: a Berkeley
# DB environment under ./leadroute-data, leadrouted taking LMTP on
# 127.0.0.1:2424, the sample inquiries of examples/inquiries delivered to it
# with Postfix's smtp-source, the notifications caught by smtp-sink on
# 127.0.0.1:2525 (the default relay), and the stored leads listed.
#
# As root, leadrouted binds its socket and then runs as server.user, the
# `leadroute` account of the embedded default (created here when missing,
# as `make install-user` does).  That account may not enter this clone (a
# root home is 0700), so the demo runs from its own copy of the programs
# and templates in a folder under /tmp that the account owns (DEMO_DIR, if
# set, instead): ./leadroute-data is made there, and the CLI runs as the
# same account.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
bin=${LR_BUILDDIR:-$top}/src
PATH=$PATH:/usr/sbin:/sbin
as=""
if [ "$(id -u)" = 0 ]; then
	id leadroute >/dev/null 2>&1 ||
		useradd --system --no-create-home --home-dir /nonexistent \
			--shell /usr/sbin/nologin leadroute
	work=${DEMO_DIR:-$(mktemp -d /tmp/leadroute-demo.XXXXXX)}
	mkdir -p "$work/src"
	cp "$bin/leadrouted" "$bin/leadroute" "$work/src/"
	rm -rf "$work/templates" && cp -R "$top/templates" "$work/templates"
	chmod -R a+rX "$work"
	chown leadroute: "$work"
	bin=$work/src
	as="setpriv --reuid=leadroute --regid=leadroute --clear-groups"
	echo "demo: running in $work as the leadroute account"
else
	work=${DEMO_DIR:-$PWD}
fi
cd "$work"
# smtp-sink drops privileges to nobody (as root), so its folder must be
# reachable by nobody: under /tmp, not in a root-only home.
mail=$(mktemp -d /tmp/leadroute-demo-mail.XXXXXX)
chmod 777 "$mail"
smtp-sink -u nobody -d "$mail/%M." 127.0.0.1:2525 64 &
sink=$!
"$bin/leadrouted" -f 2>leadrouted.log &
daemon=$!
trap 'kill $daemon $sink 2>/dev/null; wait $daemon $sink 2>/dev/null || true' EXIT
for i in $(seq 50); do
	python3 -c 'import socket; socket.create_connection(("127.0.0.1", 2424), 1)' 2>/dev/null && break
	kill -0 $daemon 2>/dev/null || break
	sleep 0.1
done
if ! kill -0 $daemon 2>/dev/null; then
	echo "demo: leadrouted did not start:" >&2
	cat leadrouted.log >&2
	exit 1
fi
for f in "$top"/examples/inquiries/*.eml; do
	smtp-source -L -F "$f" -f marketing@acme.example -t leads+demo@acme.example 127.0.0.1:2424
done
# The router works behind intake: wait until nothing is left to route.
for i in $(seq 100); do
	$as "$bin/leadroute" list --status new | grep -q '^[0-9]' || break
	sleep 0.1
done
$as "$bin/leadroute" list
for i in $(seq 50); do
	[ "$(ls "$mail" | wc -l)" -ge "$($as "$bin/leadroute" list --status offered | grep -c '^[0-9]')" ] && break
	sleep 0.1
done
echo "notifications accepted by the relay: $(ls "$mail" | wc -l) (in $mail)"
echo "one lead with its history: (cd $work && $as $bin/leadroute show 1)"
