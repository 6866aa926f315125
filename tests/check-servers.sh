#!/bin/sh
# check-servers.sh - `leadroute check` of servers' secret files, made here
# with the modes a checkout cannot keep: a private secret (0600) and a peer
# that only sends us leads check clean; a secret others may read, one too
# short, a folder, a missing previous_secret_file each give one
# file:line problem and exit 1; a ca_file is checked with an https deliver
# and refused beside a mailto: one.
set -u
LEADROUTE="${LR_BUILDDIR:-.}/src/leadroute"
case "$LEADROUTE" in /*) ;; *) LEADROUTE="$(pwd)/$LEADROUTE" ;; esac
fail=0
say() { echo "FAIL: $*"; fail=1; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
mkdir peers peers/dir
"$LEADROUTE" peer-secret -o peers/north.secret || say "peer-secret exit $?"
"$LEADROUTE" peer-secret -o peers/old.secret || say "peer-secret exit $?"
cp peers/north.secret peers/public.secret && chmod 644 peers/public.secret
cp peers/north.secret peers/group.secret && chmod 640 peers/group.secret
printf 'short\n' >peers/short.secret && chmod 600 peers/short.secret

# conf NAME SECRET PREVIOUS - a configuration whose peer "north" has them.
conf() {
	prev=""
	[ -n "$3" ] && prev="previous_secret_file = \"$3\";"
	cat >"$1.conf" <<CONF
users = ( { id = "dana"; email = "dana@x.example"; role = "admin"; } );
servers = (
  { id = "north"; deliver = "mailto:leads@north.example";
    secret_file = "$2"; $prev },
  { id = "hq"; secret_file = "peers/old.secret"; }
);
rules = ( { name = "all"; route = "server:north"; } );
CONF
}
# expect NAME TEXT - check -c NAME.conf exits 1 and prints exactly TEXT.
expect() {
	out=$("$LEADROUTE" check -c "$1.conf" 2>&1)
	rc=$?
	[ "$rc" -eq 1 ] || say "$1: exit $rc, want 1"
	[ "$out" = "$2" ] || say "$1: got '$out', want '$2'"
}

conf clean peers/north.secret peers/old.secret
out=$("$LEADROUTE" check -c clean.conf 2>&1)
[ "$?" -eq 0 ] && [ "$out" = "configuration OK" ] || say "clean: $out"

conf public peers/public.secret ""
expect public "public.conf:3: server 'north': secret_file peers/public.secret: mode 0644 lets group or others at it (chmod 600)"
conf group peers/north.secret peers/group.secret
expect group "group.conf:3: server 'north': previous_secret_file peers/group.secret: mode 0640 lets group or others at it (chmod 600)"
conf short peers/short.secret ""
expect short "short.conf:3: server 'north': secret_file peers/short.secret: 6 bytes, at least 16 needed"
conf dir peers/dir ""
expect dir "dir.conf:3: server 'north': secret_file peers/dir: not a regular file"
conf gone peers/north.secret peers/gone.secret
expect gone "gone.conf:3: server 'north': previous_secret_file peers/gone.secret: No such file or directory (make one with leadroute peer-secret -o FILE)"
# ca_file: checked with an https deliver; refused where it is unused.
printf -- '-----BEGIN CERTIFICATE-----\n' >peers/ca.pem
# ca NAME DELIVER CA - a configuration whose peer "web" has them.
ca() {
	cat >"$1.conf" <<CONF
users = ( { id = "dana"; email = "dana@x.example"; role = "admin"; } );
servers = ( { id = "web"; deliver = "$2"; ca_file = "$3";
  secret_file = "peers/north.secret"; } );
rules = ( { name = "all"; route = "server:web"; } );
CONF
}
ca https https://web.example/leads peers/ca.pem
out=$("$LEADROUTE" check -c https.conf 2>&1)
[ "$?" -eq 0 ] && [ "$out" = "configuration OK" ] || say "https ca_file: $out"
ca nocafile https://web.example/leads peers/none.pem
expect nocafile "nocafile.conf:2: server 'web': ca_file peers/none.pem does not exist"
ca mailca mailto:leads@web.example peers/ca.pem
expect mailca "mailca.conf:2: server 'web': ca_file is only used with an https:// deliver"
[ "$fail" -eq 0 ] && echo "ok: servers' secret files checked for presence and privacy"
exit $fail
