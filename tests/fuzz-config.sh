#!/bin/sh
# fuzz-config.sh [SECONDS] - the config fuzz target for a bounded time (tests/fuzz.sh).
exec sh "${LR_SRCDIR:-.}/tests/fuzz.sh" config "$@"
