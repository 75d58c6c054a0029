#!/usr/bin/env bash
# Installs and starts everything the project needs, idempotently, and caches
# what it builds outside the repo: node modules, the Temporal CLI (dev server +
# Web UI), the Docker engine in a single-node Swarm, the local images, and the
# abra CLI where it can be had. Safe to run again; fast when nothing changed.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ensure_node_modules() {
  command -v node >/dev/null || die "Node.js 20 is required (apt-get install nodejs npm)"
  if [ ! -f "$ROOT/node_modules/.package-lock.json" ] || [ "$ROOT/package-lock.json" -nt "$ROOT/node_modules/.package-lock.json" ]; then
    log "npm install (from package-lock.json)"
    # Not `npm ci`: the registries this runs against serve only the Linux builds
    # of platform packages (rollup, swc), so the lock cannot list the others and
    # `npm ci` refuses it as out of sync. `npm install --no-save` installs the
    # locked versions all the same and never rewrites the lock.
    (cd "$ROOT" && npm install --no-save --no-fund --no-audit --loglevel=error) || die "npm install failed"
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

# The example proxy recipe's image: a small static Go HTTPS server standing in
# for Traefik (images/proxy), with certificates from a throw-away local CA.
# Rebuilt when its source changes; the CA is copied to .coopci/ for configs.
ensure_proxy_image() {
  local tls="$COOPCI_CACHE/proxy-tls" src
  # The quick start's proxy domain, and each test worker's (test/helpers/pool.ts: up to 8 side by side).
  local names="DNS:traefik.ci.local.test" i
  for i in 1 2 3 4 5 6 7 8; do names="$names,DNS:traefik.ci$i.test.local"; done
  if [ ! -f "$tls/proxy.pem" ] || [ "$(cat "$tls/names" 2>/dev/null)" != "$names" ]; then
    log "making a local CA and certificates for the example proxy"
    rm -rf "$tls" && mkdir -p "$tls"
    local ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
    openssl req -x509 "${ec[@]}" -days 3650 -subj /CN=coopci-local-ca -keyout "$tls/ca-key.pem" -out "$tls/ca.pem" 2>/dev/null
    for name in proxy wrong; do
      local san="$names"
      [ "$name" = wrong ] && san="DNS:wrong.invalid"
      openssl req "${ec[@]}" -subj "/CN=$name" -keyout "$tls/$name-key.pem" -out "$tls/$name.csr" 2>/dev/null
      printf 'subjectAltName=%s\n' "$san" >"$tls/$name.ext"
      openssl x509 -req -in "$tls/$name.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca-key.pem" -CAcreateserial -days 3650 -extfile "$tls/$name.ext" -out "$tls/$name.pem" 2>/dev/null
    done
    printf '%s' "$names" >"$tls/names"
  fi
  mkdir -p "$ROOT/.coopci" && cp "$tls/ca.pem" "$ROOT/.coopci/proxy-ca.pem"
  # The image carries the certificates, so it is rebuilt when they or the source change.
  src="$(cat "$ROOT/images/proxy/main.go" "$tls/ca.pem" | sha256sum | cut -c1-16)"
  if [ "$(docker image inspect --format '{{index .Config.Labels "coopci.source"}}' "$PROXY_IMAGE" 2>/dev/null)" = "$src" ]; then return; fi
  log "building $PROXY_IMAGE"
  local rootfs; rootfs="$(mktemp -d)"
  mkdir -p "$rootfs/certs"
  (cd "$ROOT/images/proxy" && CGO_ENABLED=0 go build -trimpath -o "$rootfs/proxy" .) || die "building images/proxy failed"
  cp "$tls"/proxy.pem "$tls"/proxy-key.pem "$tls"/wrong.pem "$tls"/wrong-key.pem "$rootfs/certs/"
  tar -C "$rootfs" -c . | docker import --change 'ENTRYPOINT ["/proxy"]' --change "LABEL coopci.source=$src" - "$PROXY_IMAGE" >/dev/null
  rm -rf "$rootfs"
}

# The real abra, if this machine can have it: a pinned release in the range
# coopci supports (domain/abra-version.ts; the worker refuses any other).
# Where the Go module proxy
# refuses the coopcloud.tech host, the local stand-in (tools/abra-local) is
# used and this says why, once per run.
ensure_abra() {
  local bin="$COOPCI_CACHE/abra/abra"
  if [ -x "$bin" ]; then return; fi
  if [ -f "$COOPCI_CACHE/abra/unavailable" ] && [ -z "$(find "$COOPCI_CACHE/abra/unavailable" -mmin +1440)" ]; then return; fi
  mkdir -p "$COOPCI_CACHE/abra"
  if GOBIN="$COOPCI_CACHE/abra" timeout 300 go install "coopcloud.tech/abra/cmd/abra@${COOPCI_ABRA_VERSION:-v0.11.0-beta}" >"$COOPCI_CACHE/abra/install.log" 2>&1; then
    log "abra installed at $bin"
  else
    cp "$COOPCI_CACHE/abra/install.log" "$COOPCI_CACHE/abra/unavailable"
    log "abra unavailable here ($(grep -m1 -o 'Go module host not permitted\|403 Forbidden\|[^:]*$' "$COOPCI_CACHE/abra/install.log")); examples use tools/abra-local"
  fi
}

# Debian's Chromium, for the Web UI check in a real browser (playwright-core drives it;
# Playwright's own browser download cannot work without the wider network).
ensure_browser() {
  if ! command -v chromium >/dev/null; then
    log "installing Debian's chromium"
    apt_install --no-install-recommends chromium
  fi
}

# Debian's docker-compose and nix, which validate docker-compose.yml and the
# Nix files in the tests (their images and nixpkgs cannot be fetched here).
ensure_deploy_tools() {
  local missing=()
  command -v docker-compose >/dev/null || missing+=(docker-compose)
  command -v nix-instantiate >/dev/null || missing+=(nix-bin)
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing Debian's ${missing[*]}"
    apt_install --no-install-recommends "${missing[@]}"
  fi
}

main() {
  ensure_node_modules
  ensure_temporal
  ensure_docker
  ensure_images
  ensure_proxy_image
  ensure_abra
  ensure_browser
  ensure_deploy_tools
  log "ready: temporal $("$TEMPORAL_BIN" --version | awk '{print $3}'), docker $(docker version --format '{{.Server.Version}}'), swarm active"
}

main "$@"
