#!/bin/sh
# fuzz-parser.sh [FUZZ_SECONDS] - run the built libFuzzer target
# (tests/fuzz-parser) for a bounded time, seeded with the corpus inquiries
# and our golden cases.  Builds nothing: skips (77) when configure found no
# clang with -fsanitize=fuzzer.  A crash leaves its input in
# $LR_BUILDDIR/tests/fuzz-parser-artifacts/ and fails.
set -eu
seconds=${1:-${FUZZ_SECONDS:-10}}
builddir=${LR_BUILDDIR:-.}
srcdir=${LR_SRCDIR:-.}
fuzzer=$builddir/tests/fuzz-parser
if [ ! -x "$fuzzer" ]; then
	echo "fuzz-parser: $fuzzer not built (configure needs clang with -fsanitize=fuzzer)"
	exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
mkdir -p "$work/corpus" "$builddir/tests/fuzz-parser-artifacts"
inquiries=${LR_CORPUS:-$srcdir/tests/corpus}/inquiries
if [ ! -d "$inquiries" ]; then
	echo "FAIL: no test corpus at $inquiries (set LR_CORPUS or restore tests/corpus)"
	exit 1
fi
for f in "$inquiries"/*.eml "$srcdir"/tests/parser/*.eml; do
	[ -f "$f" ] && cp "$f" "$work/corpus/"
done
"$fuzzer" -max_total_time="$seconds" -max_len=262144 -timeout=10 -rss_limit_mb=2048 \
	-error_exitcode=1 -timeout_exitcode=1 \
	-print_final_stats=1 -artifact_prefix="$builddir/tests/fuzz-parser-artifacts/" \
	"$work/corpus"
