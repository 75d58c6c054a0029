#!/usr/bin/env bash
# The whole test suite, on real parts: installs/starts what is missing
# (scripts/setup.sh), type-checks, runs the static checks (scripts/lint.sh), then runs vitest.
# Extra arguments go to vitest.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bash "$ROOT/scripts/setup.sh"
# The quick start's stack holds host ports the tests use.
bash "$ROOT/scripts/stop.sh"
cd "$ROOT"
npx tsc --noEmit
bash "$ROOT/scripts/lint.sh"
exec npx vitest run "$@"
