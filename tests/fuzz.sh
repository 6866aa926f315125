#!/bin/sh
# fuzz.sh TARGET [SECONDS] - run the built libFuzzer target tests/fuzz-TARGET
# (reply, config or lmtp) for a bounded time (SECONDS, else $FUZZ_SECONDS,
# else 10), seeded with the cases of the tree that fit it, and with
# -timeout=10 (an input that takes longer counts as a hang) and a 2 GB
# memory limit.  A crash, leak, hang or assertion leaves its input in
# $LR_BUILDDIR/tests/fuzz-TARGET-artifacts/ and fails; so does a target that
# was not built (clang is one of scripts/deps.sh's packages).
#   FUZZ_CORPUS=DIR keeps the corpus in DIR (for long runs), else a
#   temporary one; FUZZ_JOBS is not used: one process, one core.
set -eu
target=$1
seconds=${2:-${FUZZ_SECONDS:-10}}
builddir=${LR_BUILDDIR:-.}
srcdir=${LR_SRCDIR:-.}
fuzzer=$builddir/tests/fuzz-$target
if [ ! -x "$fuzzer" ]; then
	echo "fuzz-$target: $fuzzer not built (configure needs clang with -fsanitize=fuzzer)"
	exit 1
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
corpus=${FUZZ_CORPUS:-$work/corpus}
artifacts=$builddir/tests/fuzz-$target-artifacts
mkdir -p "$corpus" "$artifacts"
shared=${LR_CORPUS:-$srcdir/../shared/corpus}
[ -d "$srcdir/tests/corpus" ] && shared=$srcdir/tests/corpus
extra=
case $target in
reply)
	seeds="$srcdir/tests/replies/*.eml $shared/replies/*.eml $srcdir/examples/inquiries/*.eml"
	;;
config)
	# The sandbox the target writes leadroute.conf into: a copy of
	# examples/ so that rule files, tables and documents resolve.
	mkdir -p "$work/sandbox"
	cp -R "$srcdir/examples/users" "$srcdir/examples/tables" "$srcdir/examples/docs" \
		"$work/sandbox/"
	chmod -R u+w "$work/sandbox"
	FUZZ_CONFIG_DIR=$work/sandbox
	export FUZZ_CONFIG_DIR
	seeds="$srcdir/examples/leadroute.conf $srcdir/tests/check-configs/*.conf"
	seeds="$seeds $srcdir/examples/users/*.conf"
	extra="-dict=$srcdir/tests/fuzz-config.dict"
	;;
lmtp)
	seeds="$srcdir/tests/lmtp-sessions/*.lmtp"
	# The session logs a line per message on stderr: keep it quiet
	# (libFuzzer's and the sanitizers' reports still come through).
	extra="-dict=$srcdir/tests/fuzz-lmtp.dict -close_fd_mask=2"
	;;
*)
	echo "fuzz.sh: unknown target $target" >&2
	exit 64
	;;
esac
# Inputs that once failed (tests/fuzz-cases/TARGET-*) run first as seeds.
seeds="$srcdir/tests/fuzz-cases/$target-* $seeds"
n=0
for f in $seeds; do
	[ -f "$f" ] || continue
	n=$((n + 1))
	cp "$f" "$corpus/seed-$n-$(basename "$f")"
done
if [ "$n" -eq 0 ]; then
	echo "fuzz-$target: no seed inputs found" >&2
	exit 1
fi
echo "fuzz-$target: $n seeds, $seconds s"
# Known leaks of the libraries (.ci/lsan.supp says which and why).
LSAN_OPTIONS=suppressions=$srcdir/.ci/lsan.supp:print_suppressions=0
export LSAN_OPTIONS
# A finding exits 1 (libFuzzer's own default, 77, reads as a skip to
# automake).
# shellcheck disable=SC2086
"$fuzzer" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
	-error_exitcode=1 -timeout_exitcode=1 \
	-print_final_stats=1 -artifact_prefix="$artifacts/" $extra "$corpus"
