#!/bin/sh
# cli-options.sh - the options of the leadroute program itself: --version,
# `-c FILE` (and --config FILE, --config=FILE) before the subcommand works
# as after it (also before a verb: `leadroute -c FILE lead note ...`), an
# unknown option before the subcommand gives the usage line and exit 64.
# Then every subcommand of src/leadroute.c's command table and every verb
# of the verb tables (src/cmd-lead.c, src/cmd-user.c), read from the
# sources so that a new command is covered at once: --help prints its
# usage on stdout and exits 0; an unknown option prints the usage line on
# stderr and exits 64.
set -u
: "${LR_BUILDDIR:?}" "${LR_SRCDIR:?}"
lr=$LR_BUILDDIR/src/leadroute
conf=$LR_SRCDIR/examples/leadroute.conf
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
fail() { echo "FAIL: $*"; exit 1; }

out=$("$lr" --version) || fail "--version exited $?"
[ "$out" = "leadroute $(sed -n 's/^AC_INIT(\[leadroute\], *\[\([^]]*\)\].*/\1/p' "$LR_SRCDIR/configure.ac")" ] ||
	fail "--version printed '$out'"

# A bad file: the same error and status whichever side -c is on.
"$lr" check -c "$tmp/none.conf" >"$tmp/after" 2>&1; a=$?
for form in "-c $tmp/none.conf" "--config $tmp/none.conf" "--config=$tmp/none.conf"; do
	# shellcheck disable=SC2086
	"$lr" $form check >"$tmp/before" 2>&1; b=$?
	[ "$a" = 1 ] && [ "$b" = "$a" ] || fail "'$form check' exited $b, 'check -c' $a"
	cmp -s "$tmp/before" "$tmp/after" || fail "'$form check' said $(cat "$tmp/before")"
done
# The example: both ways check it the same.
"$lr" check -c "$conf" >"$tmp/after" 2>&1; a=$?
"$lr" -c "$conf" check >"$tmp/before" 2>&1; b=$?
[ "$a" = "$b" ] && cmp -s "$tmp/before" "$tmp/after" || fail "-c before check differs from after"

"$lr" -x list >"$tmp/out" 2>"$tmp/err"; s=$?
[ "$s" = 64 ] || fail "an unknown option exited $s, not 64"
grep -q '^usage: leadroute' "$tmp/err" || fail "an unknown option gave no usage line"
"$lr" -c >"$tmp/out" 2>"$tmp/err"; s=$?
[ "$s" = 64 ] || fail "-c without a file exited $s"

# The command table and the verb tables, from the sources.
subs=$(sed -n '/^static const Command commands\[\] = {/,/^};/s/^ *{"\([a-z-]*\)", cmd_.*/\1/p' \
	"$LR_SRCDIR/src/leadroute.c")
[ "$(echo "$subs" | wc -w)" -ge 15 ] || fail "found only '$subs' in src/leadroute.c: teach this test"
verbs_of() {
	sed -n "/^const CmdVerb cmd_$1_verbs\[\] = {/,/^};/s/^ *{\"\([a-z-]*\)\", .*/$1 \1/p" \
		"$LR_SRCDIR/src/cmd-$1.c"
}
lead_verbs=$(verbs_of lead)
user_verbs=$(verbs_of user)
[ "$(echo "$lead_verbs" | wc -l)" -ge 4 ] && [ "$(echo "$user_verbs" | wc -l)" -ge 4 ] ||
	fail "found only '$lead_verbs' '$user_verbs' as verbs: teach this test"
checked=0
while read -r cmd; do
	[ -n "$cmd" ] || continue
	# shellcheck disable=SC2086
	"$lr" $cmd --help >"$tmp/out" 2>"$tmp/err"; s=$?
	[ "$s" = 0 ] || fail "'$cmd --help' exited $s: $(cat "$tmp/err")"
	grep -qi "^usage:" "$tmp/out" || fail "'$cmd --help' printed no usage: $(cat "$tmp/out")"
	grep -q "leadroute $cmd" "$tmp/out" || fail "'$cmd --help' does not name it: $(cat "$tmp/out")"
	[ ! -s "$tmp/err" ] || fail "'$cmd --help' wrote to stderr: $(cat "$tmp/err")"
	# shellcheck disable=SC2086
	"$lr" $cmd --no-such-option >"$tmp/out" 2>"$tmp/err"; s=$?
	[ "$s" = 64 ] || fail "'$cmd --no-such-option' exited $s, not 64"
	grep -q "^usage: leadroute $cmd" "$tmp/err" ||
		fail "'$cmd --no-such-option' gave no usage line: $(cat "$tmp/err")"
	checked=$((checked + 1))
done <<EOF
$(for sub in $subs; do case $sub in lead | user) ;; *) echo "$sub" ;; esac; done)
$lead_verbs
$user_verbs
EOF
[ "$checked" -ge 20 ] || fail "only $checked subcommands and verbs checked"
# A subcommand with verbs: --help lists them on stdout; no verb or an
# unknown one is misuse.
for sub in lead user; do
	"$lr" "$sub" --help >"$tmp/out" 2>"$tmp/err"; s=$?
	[ "$s" = 0 ] && [ "$(grep -c "^usage: leadroute $sub " "$tmp/out")" -ge 4 ] ||
		fail "'$sub --help' exited $s: $(cat "$tmp/out" "$tmp/err")"
	for bad in "" nonsense; do
		# shellcheck disable=SC2086
		"$lr" "$sub" $bad >"$tmp/out" 2>"$tmp/err"; s=$?
		[ "$s" = 64 ] && grep -q "^usage: leadroute $sub" "$tmp/err" ||
			fail "'$sub $bad' exited $s: $(cat "$tmp/err")"
	done
done
echo "ok: --help and unknown options of $checked subcommands and verbs"

# -c before a verb: `leadroute -c FILE lead VERB` reaches the verb with
# the file (a missing file: the verb's own message, exit 1).
"$lr" lead note -c "$tmp/none.conf" 1 hello >"$tmp/out" 2>"$tmp/lead"
"$lr" user list -c "$tmp/none.conf" >"$tmp/out" 2>"$tmp/user"
grep -q none.conf "$tmp/lead" && grep -q none.conf "$tmp/user" || fail "no message on none.conf"
for form in "-c $tmp/none.conf lead note" "--config=$tmp/none.conf lead note" \
	"lead -c $tmp/none.conf note" "-c $tmp/none.conf user list" "user -c $tmp/none.conf list"; do
	case $form in *user*) want=user args= ;; *) want=lead args="1 hello" ;; esac
	# shellcheck disable=SC2086
	"$lr" $form $args >"$tmp/out" 2>"$tmp/err"; s=$?
	[ "$s" = 1 ] && cmp -s "$tmp/err" "$tmp/$want" ||
		fail "'$form $args' exited $s: $(cat "$tmp/err"), not $(cat "$tmp/$want")"
done
echo "ok: --version, -c before the subcommand and the verb, unknown options"
