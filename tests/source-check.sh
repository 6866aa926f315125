#!/bin/bash
# source-check.sh - leadroute check on the sources list: bad URLs, a
# password file that others may read or that is missing, bad folder names,
# unknown keys, duplicate ids and a quarantine_after that is not a whole
# number from 1 to 1000 are problems (exit 1, file:line each);
# tls_verify = false and tls = "none" are accepted with a warning.
set -u
. "${LR_SRCDIR:-$(dirname "$0")/..}/tests/lib/common.sh"

lr_tmpdir source-check
T=$LR_TMP
CLI=$LR_BUILDDIR/src/leadroute
[ -x "$CLI" ] || lr_fail "$CLI not built"
printf 'pw\n' >"$T/pw" && chmod 0600 "$T/pw"
printf 'pw\n' >"$T/pw-open" && chmod 0644 "$T/pw-open"
head='server: { home = "'$T'/h"; };
users = ( { id = "admin"; name = "A"; email = "a@b.test"; role = "admin"; } );
rules = ( { name = "all"; route = "admin"; } );'
cat >"$T/bad.conf" <<EOF
$head
sources = (
 { id = "b"; url = "ftp://x"; },
 { id = "c"; url = "imap://u@h"; password_file = "$T/pw-open"; after = "move:bad*name"; },
 { id = "d"; url = "maildir:relative"; },
 { id = "b"; url = "pop3s://u@h"; password_file = "$T/missing"; poll = "soon"; colour = 1; },
 { id = "q"; url = "imaps://u@h"; password_file = "$T/pw"; quarantine_after = 0; },
 { id = "r"; url = "pop3s://u@h"; password_file = "$T/pw"; quarantine_after = 2.5; },
 { id = "s"; url = "imaps://u@h"; password_file = "$T/pw"; max_tries = 3; }
);
EOF
"$CLI" check -c "$T/bad.conf" >"$T/bad.out" 2>&1 && lr_fail "check accepted bad sources"
for want in \
	'bad.conf:5: source b: url ftp://x: not imap' \
	'bad.conf:6: source c: bad folder name in after' \
	'bad.conf:6: source c: password_file .*/pw-open must be private (mode 0600, it is 0644)' \
	'bad.conf:7: source d: url maildir:relative: a Maildir path must be absolute' \
	"bad.conf:8: unknown key 'colour' in a source" \
	"bad.conf:8: source id 'b' is used twice" \
	'bad.conf:8: source b: password_file .*/missing: No such file' \
	'bad.conf:8: source b: poll "soon" is not a duration' \
	'bad.conf:9: source q: quarantine_after must be a whole number from 1 to 1000' \
	'bad.conf:10: source r: quarantine_after must be a whole number from 1 to 1000' \
	"bad.conf:11: unknown key 'max_tries' in a source"; do
	grep -q -- "$want" "$T/bad.out" || lr_fail "missing: $want; got: $(cat "$T/bad.out")"
done
cat >"$T/warn.conf" <<EOF
$head
sources = (
 { id = "a"; url = "imaps://u%40x.test@127.0.0.1/INBOX"; password_file = "$T/pw"; tls_verify = false; },
 { id = "p"; url = "imap://u@127.0.0.1"; password_file = "$T/pw"; tls = "none"; after = "move:Done"; },
 { id = "m"; url = "maildir:$T/md"; after = "delete"; quarantine_after = 1000; }
);
EOF
"$CLI" check -c "$T/warn.conf" >"$T/warn.out" 2>"$T/warn.err" ||
	lr_fail "check refused: $(cat "$T/warn.out" "$T/warn.err")"
grep -q 'warn.conf:5: warning: source a: tls_verify = false' "$T/warn.err" ||
	lr_fail "no tls_verify warning: $(cat "$T/warn.err")"
grep -q 'warn.conf:6: warning: source p: tls = "none"' "$T/warn.err" ||
	lr_fail "no plain-text warning: $(cat "$T/warn.err")"
lr_log "ok"
