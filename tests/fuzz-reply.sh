#!/bin/sh
# fuzz-reply.sh [SECONDS] - the reply fuzz target for a bounded time (tests/fuzz.sh).
exec sh "${LR_SRCDIR:-.}/tests/fuzz.sh" reply "$@"
