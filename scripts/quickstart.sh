#!/usr/bin/env bash
# The quick start: installs what is missing, then brings up a local Temporal
# dev server with its Web UI (loopback), a worker and the local Swarm, builds
# the example recipes' upstream repos, deploys the proxy health-gated and
# converges the warm apps, applies the weekly schedule and runs a sweep over
# the examples, printing the results and the Web UI link.
# Everything stays up afterwards to explore; `npm run stop` stops it.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
bash "$ROOT/scripts/setup.sh"
cd "$ROOT"

RUN="$ROOT/.coopci"
CONFIG="$ROOT/config/local.yaml"
mkdir -p "$RUN"
coopci() { node "$ROOT/bin/coopci.mjs" "$@" --config "$CONFIG"; }
alive() { [ -f "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }

if ! alive "$RUN/temporal.pid"; then
  log "starting the Temporal dev server (gRPC 127.0.0.1:7233, Web UI http://127.0.0.1:8233)"
  npx tsx scripts/dev-server.ts 7233 8233 "$RUN/temporal.db" "$RUN/temporal.log" >"$RUN/temporal.pid" \
    || die "the dev server did not start; see $RUN/temporal.log (is port 7233 or 8233 taken?)"
fi

# A fresh worker each time, so it runs the code in this checkout.
if alive "$RUN/worker.pid"; then kill "$(cat "$RUN/worker.pid")"; sleep 1; fi
log "starting the worker (log: $RUN/worker.log)"
# The heap limit the packaged worker runs with (docker-compose.yml, nix/module.nix; README "Performance").
nohup node --max-old-space-size=256 --max-semi-space-size=8 "$ROOT/bin/coopci.mjs" worker --config "$CONFIG" >"$RUN/worker.log" 2>&1 &
echo $! >"$RUN/worker.pid"

log "building the example recipes' upstream repos in $RUN/upstream"
npx tsx scripts/example-recipes.ts "$RUN/upstream" hello broken unreleased proxy@1.1.0+3.1 dashboard backup-bot >/dev/null

log "health-gated deploy of the proxy, then the warm infrastructure in order (dashboard, backup bot)"
coopci proxy deploy --wait
coopci warm converge --wait
coopci schedule apply
log "running a sweep over the example recipes"
coopci sweep start --wait
