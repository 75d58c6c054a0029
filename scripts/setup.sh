#!/usr/bin/env bash
# Installs and starts everything the project needs, idempotently, and caches
# what it builds outside the repo: node modules, the Temporal CLI (dev server +
# Web UI), the Docker engine in a single-node Swarm, the local images, and the
# abra CLI where it can be had. Safe to run again; fast when nothing changed.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_node_modules() {
  command -v node >/dev/null || die "Node.js 20 is required (apt-get install nodejs npm)"
  if [ ! -f "$ROOT/node_modules/.package-lock.json" ] || [ "$ROOT/package-lock.json" -nt "$ROOT/node_modules/.package-lock.json" ]; then
    log "npm ci"
    (cd "$ROOT" && npm ci --no-fund --no-audit --loglevel=error) || die "npm ci failed"
  fi
}

ensure_temporal() {
  if [ -x "$TEMPORAL_BIN" ] && "$TEMPORAL_BIN" --version >/dev/null 2>&1; then return; fi
  command -v go >/dev/null || die "Go is needed to build the Temporal CLI (go install); install golang"
  log "building the Temporal CLI $TEMPORAL_CLI_VERSION from the Go module proxy (a few minutes, once)"
  # Later tags carry replace directives and refuse go install; v1.5.1 is the newest that builds this way.
  GOBIN="$(dirname "$TEMPORAL_BIN")" GOFLAGS=-mod=mod go install "github.com/temporalio/cli/cmd/temporal@$TEMPORAL_CLI_VERSION" \
    || die "go install of the Temporal CLI failed (see above)"
}

ensure_docker() {
  if ! command -v dockerd >/dev/null; then
    log "installing Debian's docker.io"
    apt_install docker.io
  fi
  if ! docker info >/dev/null 2>&1; then
    log "starting dockerd"
    mkdir -p "$COOPCI_CACHE"
    nohup dockerd >"$COOPCI_CACHE/dockerd.log" 2>&1 &
    for _ in $(seq 1 60); do docker info >/dev/null 2>&1 && break; sleep 1; done
    docker info >/dev/null 2>&1 || die "dockerd did not start; see $COOPCI_CACHE/dockerd.log"
  fi
  if [ "$(docker info --format '{{.Swarm.LocalNodeState}}')" != "active" ]; then
    log "docker swarm init"
    docker swarm init --advertise-addr 127.0.0.1 >/dev/null || die "docker swarm init failed"
  fi
}

# No registry is reachable: images are made locally. Busybox (httpd, sh, wget,
# tar) from Debian's static build covers example recipes and abra-local's
# backup/restore helper.
ensure_images() {
  if docker image inspect "$TOOL_IMAGE" >/dev/null 2>&1; then return; fi
  [ -x /bin/busybox ] && file -L /bin/busybox 2>/dev/null | grep -q 'statically linked' || apt_install busybox-static file
  log "building $TOOL_IMAGE from busybox-static"
  local rootfs; rootfs="$(mktemp -d)"
  mkdir -p "$rootfs/bin" "$rootfs/tmp" "$rootfs/www" "$rootfs/data"
  cp /bin/busybox "$rootfs/bin/busybox"
  for applet in $(/bin/busybox --list); do [ "$applet" = busybox ] || ln -s busybox "$rootfs/bin/$applet"; done
  tar -C "$rootfs" -c . | docker import --change 'ENV PATH=/bin' --change 'CMD ["sh"]' - "$TOOL_IMAGE" >/dev/null
  rm -rf "$rootfs"
}

# The real abra, if this machine can have it. Where the Go module proxy
# refuses the coopcloud.tech host, the local stand-in (tools/abra-local) is
# used and this says why, once per run.
ensure_abra() {
  local bin="$COOPCI_CACHE/abra/abra"
  if [ -x "$bin" ]; then return; fi
  if [ -f "$COOPCI_CACHE/abra/unavailable" ] && [ -z "$(find "$COOPCI_CACHE/abra/unavailable" -mmin +1440)" ]; then return; fi
  mkdir -p "$COOPCI_CACHE/abra"
  if GOBIN="$COOPCI_CACHE/abra" timeout 300 go install coopcloud.tech/abra/cmd/abra@latest >"$COOPCI_CACHE/abra/install.log" 2>&1; then
    log "abra installed at $bin"
  else
    cp "$COOPCI_CACHE/abra/install.log" "$COOPCI_CACHE/abra/unavailable"
    log "abra unavailable here ($(grep -m1 -o 'Go module host not permitted\|403 Forbidden\|[^:]*$' "$COOPCI_CACHE/abra/install.log")); examples use tools/abra-local"
  fi
}

main() {
  ensure_node_modules
  ensure_temporal
  ensure_docker
  ensure_images
  ensure_abra
  log "ready: temporal $("$TEMPORAL_BIN" --version | awk '{print $3}'), docker $(docker version --format '{{.Server.Version}}'), swarm active"
}

main "$@"
