#!/usr/bin/env bash
# Builds the worker image from the project's Dockerfile on a Debian base made
# here: no container registry is reachable, so the base is a Debian trixie
# rootfs from mmdebstrap (Node.js 20, npm, git, the docker CLI, tini, CA
# certificates) imported with `docker import` and cached by its content (the
# suite and package list): a second run only rebuilds the worker layers.
#
#   bash scripts/worker-image.sh [TAG]     (default coopci/worker:local)
#
# Prints the image tag on stdout; progress on stderr. Where a registry is
# reachable, `docker build .` uses the Dockerfile's default base
# (node:20-bookworm-slim) and needs none of this.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TAG="${1:-coopci/worker:local}"
SUITE=trixie
# trixie: its nodejs is 20 (bookworm's is 18, below package.json's engines); docker-cli is the client alone.
PACKAGES=(nodejs npm git docker-cli ca-certificates tini)
# The host's locally added CA certificates (Debian keeps them in /usr/local/share/ca-certificates)
# go into the base, so the image trusts what the host trusts, e.g. a TLS-intercepting proxy in
# front of the npm registry during `docker build`. Public certificates only, no keys.
LOCAL_CAS=(/usr/local/share/ca-certificates/*.crt)
[ -e "${LOCAL_CAS[0]}" ] || LOCAL_CAS=()
BASE_ID="$( (printf '%s %s v1' "$SUITE" "${PACKAGES[*]}" && cat "${LOCAL_CAS[@]}" </dev/null) | sha256sum | cut -c1-12)"
BASE="coopci/debian-base:$SUITE-$BASE_ID"

docker info >/dev/null 2>&1 || die "no Docker engine; run scripts/setup.sh first"

if ! docker image inspect "$BASE" >/dev/null 2>&1; then
  command -v mmdebstrap >/dev/null || { log "installing Debian's mmdebstrap"; apt_install --no-install-recommends mmdebstrap; }
  log "building the base image $BASE with mmdebstrap (${PACKAGES[*]}; about a minute, once)"
  start=$SECONDS
  tarball="$(mktemp --suffix=.tar)"
  ca_hooks=()
  if [ ${#LOCAL_CAS[@]} -gt 0 ]; then
    ca_hooks=(--customize-hook="copy-in ${LOCAL_CAS[*]} /usr/local/share/ca-certificates/" --customize-hook='chroot "$1" update-ca-certificates')
  fi
  # Docs, man pages and translations are dead weight in an image.
  mmdebstrap --variant=apt --include="$(
    IFS=,
    echo "${PACKAGES[*]}"
  )" \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
    "${ca_hooks[@]}" \
    --format=tar "$SUITE" "$tarball" >"$COOPCI_CACHE/mmdebstrap.log" 2>&1 \
    || { rm -f "$tarball"; tail -20 "$COOPCI_CACHE/mmdebstrap.log" >&2; die "mmdebstrap failed; see $COOPCI_CACHE/mmdebstrap.log"; }
  docker import --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
    --change 'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' --change 'CMD ["bash"]' \
    "$tarball" "$BASE" >/dev/null || { rm -f "$tarball"; die "docker import of the base image failed"; }
  rm -f "$tarball"
  log "base image $BASE built in $((SECONDS - start)) s"
fi

log "building $TAG from the Dockerfile on $BASE"
start=$SECONDS
# The legacy builder: this Docker engine has no BuildKit/buildx plugin. Layers are cached between runs;
# --force-rm: a failed step leaves no stopped container behind.
DOCKER_BUILDKIT=0 docker build --quiet --force-rm --build-arg "BASE=$BASE" -t "$TAG" "$ROOT" >"$COOPCI_CACHE/worker-image.log" 2>&1 \
  || { tail -30 "$COOPCI_CACHE/worker-image.log" >&2; die "docker build of the worker image failed; see $COOPCI_CACHE/worker-image.log"; }
log "built $TAG in $((SECONDS - start)) s"
echo "$TAG"
