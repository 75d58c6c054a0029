#!/usr/bin/env bash
# Static checks: ESLint (bugs such as floating promises; workflow determinism), Prettier (format) and
# dependency-cruiser (the one-way layering). Each runs even when an earlier one fails, so one run shows
# every finding; the script fails if any did. The commands themselves are the npm scripts of package.json.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$ROOT"
failed=()
for check in lint format:check deps:check; do
  log "npm run $check"
  npm run --silent "$check" || failed+=("$check")
done
[ ${#failed[@]} -eq 0 ] || die "static checks failed: ${failed[*]} (npm run format rewrites the formatting)"
