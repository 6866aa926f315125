#!/bin/sh
# fuzz-lmtp.sh [SECONDS] - the lmtp fuzz target for a bounded time (tests/fuzz.sh).
exec sh "${LR_SRCDIR:-.}/tests/fuzz.sh" lmtp "$@"
