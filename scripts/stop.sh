#!/usr/bin/env bash
# Stops what the quick start left running (worker, dev server). Swarm and state stay.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
for p in worker temporal; do
  f="$ROOT/.coopci/$p.pid"
  if [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null; then kill "$(cat "$f")" && log "stopped $p"; fi
  rm -f "$f"
done
