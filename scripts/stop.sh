#!/usr/bin/env bash
# Stops what the quick start left running: the worker, the dev server and the
# example warm apps (whose host ports the tests use too). State stays in .coopci/.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
for p in worker temporal; do
  f="$ROOT/.coopci/$p.pid"
  if [ -f "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null; then
    pid="$(cat "$f")"
    kill "$pid"
    # Wait for it to exit: a dev server still closing its database must not race a restart.
    for _ in $(seq 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    log "stopped $p"
  fi
  rm -f "$f"
done
if docker info >/dev/null 2>&1; then
  for stack in traefik_ci_local_test dashboard_ci_local_test backups_ci_local_test; do
    if docker stack ps "$stack" >/dev/null 2>&1; then docker stack rm "$stack" >/dev/null && log "undeployed $stack"; fi
  done
fi
