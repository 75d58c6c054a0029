# Shared helpers for the project's scripts. Sourced, not run.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# Built tools live outside the repo so fresh clones on the same machine reuse them.
COOPCI_CACHE="${COOPCI_CACHE:-$HOME/.cache/coopci}"
TEMPORAL_CLI_VERSION="v1.5.1"
TEMPORAL_BIN="$COOPCI_CACHE/temporal-$TEMPORAL_CLI_VERSION/temporal"
TOOL_IMAGE="coopci/busybox:1"
PROXY_IMAGE="coopci/proxy:1"
export COOPCI_CACHE TEMPORAL_BIN

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  if [ ! -f "$COOPCI_CACHE/.apt-updated" ] || [ -n "$(find "$COOPCI_CACHE/.apt-updated" -mmin +1440 2>/dev/null)" ]; then
    apt-get update -qq >/dev/null || die "apt-get update failed; is the Debian mirror reachable?"
    mkdir -p "$COOPCI_CACHE" && touch "$COOPCI_CACHE/.apt-updated"
  fi
  apt-get install -y -qq "$@" >/dev/null || die "apt-get install $* failed"
}
