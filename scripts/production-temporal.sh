#!/usr/bin/env bash
# The production topology on this machine, for real: a Temporal server (not
# the dev server) built from the Go module proxy, on PostgreSQL from Debian,
# its schema applied with temporal-sql-tool, a namespace with a retention and
# coopci's search attributes. What docker-compose.yml runs in containers, run
# here as processes (no image can be pulled here). Idempotent: `up` again is
# fast and changes nothing that is already right.
#
#   bash scripts/production-temporal.sh [--dir DIR] COMMAND
#     build    build and cache temporal-server and temporal-sql-tool (go install, ~4-10 min cold, once)
#     up       everything: PostgreSQL (installed from Debian if missing, started), build, databases
#              and schema (created or updated), server config, server, namespace, search attributes
#     start    start the server again (after stop/kill; PostgreSQL must be up: use `up` otherwise)
#     stop     stop the server (SIGTERM, then SIGKILL after 30 s)
#     kill     SIGKILL the server, as a crash would
#     down     stop the server and PostgreSQL (data stays in DIR)
#     status   print what runs
#     address  print the frontend's address (for TEMPORAL_ADDRESS)
#     tools    print the directory of the cached temporal-server and temporal-sql-tool
#
# DIR (default $COOPCI_PRODUCTION_DIR or /var/lib/coopci-production) holds the
# PostgreSQL cluster, the server's config, logs and pid files. PostgreSQL runs
# as the `postgres` user, which must be able to reach DIR (not under /root).
# Ports (away from the dev server's 7233/8233 and the tests' ports):
# COOPCI_PRODUCTION_PORT (frontend gRPC, default 17233; the server's other
# services use 17234/17235/17239 and 16933-16939, HTTP 17243),
# COOPCI_PRODUCTION_PG_PORT (default 15432). COOPCI_PRODUCTION_RETENTION:
# the namespace's retention when it is created (default 30d).
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

TEMPORAL_SERVER_VERSION="v1.32.2"
SERVER_CACHE="$COOPCI_CACHE/temporal-server-$TEMPORAL_SERVER_VERSION"
SERVER_BIN="$SERVER_CACHE/temporal-server"
SQL_TOOL="$SERVER_CACHE/temporal-sql-tool"

DIR="${COOPCI_PRODUCTION_DIR:-/var/lib/coopci-production}"
if [ "${1:-}" = "--dir" ]; then
  [ -n "${2:-}" ] || die "--dir needs a directory"
  DIR="$2"
  shift 2
fi
COMMAND="${1:-up}"
PORT="${COOPCI_PRODUCTION_PORT:-17233}"
PG_PORT="${COOPCI_PRODUCTION_PG_PORT:-15432}"
NAMESPACE="${COOPCI_PRODUCTION_NAMESPACE:-default}"
RETENTION="${COOPCI_PRODUCTION_RETENTION:-30d}"
ADDRESS="127.0.0.1:$PORT"
PGDATA="$DIR/pg"
PGSOCK="$DIR/pg-socket"
PG_USER=temporal

temporal_cli() { "$TEMPORAL_BIN" "$@" --address "$ADDRESS"; }
server_pid() { [ -f "$DIR/temporal.pid" ] && kill -0 "$(cat "$DIR/temporal.pid")" 2>/dev/null && cat "$DIR/temporal.pid"; }

# --- build ------------------------------------------------------------------

build() {
  if [ -x "$SERVER_BIN" ] && [ -x "$SQL_TOOL" ] && "$SERVER_BIN" --version 2>/dev/null | grep -q "${TEMPORAL_SERVER_VERSION#v}$"; then return; fi
  command -v go >/dev/null || die "Go is needed to build the Temporal server (go install); install golang"
  log "building temporal-server and temporal-sql-tool $TEMPORAL_SERVER_VERSION from the Go module proxy (4-10 minutes, once; cached in $SERVER_CACHE)"
  local start=$SECONDS stage
  mkdir -p "$COOPCI_CACHE"
  stage="$(mktemp -d "$COOPCI_CACHE/.temporal-server-build.XXXXXX")"
  # GOTOOLCHAIN=auto: the server's go.mod may ask for a newer Go than the machine's;
  # go fetches that toolchain from the module proxy. `go: downloading …` lines are the progress.
  if ! GOTOOLCHAIN=auto GOBIN="$stage" go install \
    "go.temporal.io/server/cmd/server@$TEMPORAL_SERVER_VERSION" \
    "go.temporal.io/server/cmd/tools/sql@$TEMPORAL_SERVER_VERSION"; then
    rm -rf "$stage"
    die "go install of the Temporal server $TEMPORAL_SERVER_VERSION failed (see above)"
  fi
  mkdir -p "$SERVER_CACHE"
  mv "$stage/server" "$SERVER_BIN"
  mv "$stage/sql" "$SQL_TOOL"
  rm -rf "$stage"
  log "built $("$SERVER_BIN" --version) in $((SECONDS - start)) s"
}

# --- PostgreSQL -------------------------------------------------------------

pg_bin() {
  local v
  v="$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1)"
  [ -n "$v" ] && [ -x "/usr/lib/postgresql/$v/bin/pg_ctl" ] && echo "/usr/lib/postgresql/$v/bin"
}

ensure_postgresql_installed() {
  if [ -z "$(pg_bin)" ]; then
    log "installing Debian's postgresql"
    apt_install --no-install-recommends postgresql
    [ -n "$(pg_bin)" ] || die "postgresql installed but no /usr/lib/postgresql/*/bin/pg_ctl found"
  fi
  id postgres >/dev/null 2>&1 || die "the postgres user is missing (Debian's postgresql package creates it)"
}

pg_as_postgres() { runuser -u postgres -- "$@"; }

# The password of the `temporal` database user, made once and kept in DIR (root only).
pg_password() {
  if [ ! -s "$DIR/pg-password" ]; then
    (umask 077 && od -An -N24 -tx1 /dev/urandom | tr -d ' \n' >"$DIR/pg-password")
  fi
  cat "$DIR/pg-password"
}

pg_running() { [ -d "$PGDATA" ] && pg_as_postgres "$(pg_bin)/pg_ctl" -D "$PGDATA" status >/dev/null 2>&1; }

start_postgresql() {
  ensure_postgresql_installed
  mkdir -p "$DIR"
  chmod 755 "$DIR"
  pg_as_postgres test -x "$DIR" || die "PostgreSQL runs as user postgres, which cannot reach $DIR; pick a directory it can traverse (--dir, e.g. under /var/lib or /tmp)"
  local bin pw
  bin="$(pg_bin)"
  pw="$(pg_password)"
  if [ ! -f "$PGDATA/PG_VERSION" ]; then
    log "initialising a PostgreSQL cluster in $PGDATA (user $PG_USER, port $PG_PORT)"
    install -d -o postgres -g postgres -m 700 "$PGDATA"
    install -d -o postgres -g postgres -m 755 "$PGSOCK"
    local pwfile
    pwfile="$(mktemp)"
    printf '%s\n' "$pw" >"$pwfile"
    chown postgres "$pwfile"
    pg_as_postgres "$bin/initdb" -D "$PGDATA" -U "$PG_USER" --pwfile="$pwfile" --auth=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$DIR/initdb.log" 2>&1 \
      || { rm -f "$pwfile"; cat "$DIR/initdb.log" >&2; die "initdb failed"; }
    rm -f "$pwfile"
  fi
  if pg_running; then return; fi
  install -d -o postgres -g postgres -m 755 "$PGSOCK"
  touch "$DIR/postgresql.log" && chown postgres "$DIR/postgresql.log"
  log "starting PostgreSQL on 127.0.0.1:$PG_PORT"
  pg_as_postgres "$bin/pg_ctl" -D "$PGDATA" -l "$DIR/postgresql.log" -w -t 60 \
    -o "-p $PG_PORT -k $PGSOCK -c listen_addresses=127.0.0.1" start >/dev/null \
    || { tail -20 "$DIR/postgresql.log" >&2; die "PostgreSQL did not start (port $PG_PORT taken?); see $DIR/postgresql.log"; }
}

stop_postgresql() {
  if pg_running; then
    pg_as_postgres "$(pg_bin)/pg_ctl" -D "$PGDATA" -m fast -w stop >/dev/null && log "stopped PostgreSQL"
  fi
}

psql_q() { PGPASSWORD="$(pg_password)" psql -h 127.0.0.1 -p "$PG_PORT" -U "$PG_USER" -v ON_ERROR_STOP=1 -tAq "$@"; }

# --- schema -----------------------------------------------------------------

sql_tool() { SQL_PASSWORD="$(pg_password)" "$SQL_TOOL" --plugin postgres12 --ep 127.0.0.1 -p "$PG_PORT" -u "$PG_USER" "$@"; }

# Creates each database if missing, versions it (0.0) if new, and updates it to
# the schema this server binary carries (embedded in temporal-sql-tool, so the
# schema always matches the binary; the same files as the module's
# schema/postgresql/v12). update-schema is a no-op when it is current.
apply_schema() {
  local db name
  for db in temporal temporal_visibility; do
    name=temporal
    [ "$db" = temporal_visibility ] && name=visibility
    if [ -z "$(psql_q -d postgres -c "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]; then
      log "creating database $db"
      sql_tool --db "$db" create-database >/dev/null || die "creating database $db failed"
    fi
    if [ -z "$(psql_q -d "$db" -c "SELECT 1 FROM information_schema.tables WHERE table_name = 'schema_version'")" ]; then
      sql_tool --db "$db" setup-schema -v 0.0 >"$DIR/schema-$db.log" 2>&1 || { cat "$DIR/schema-$db.log" >&2; die "setup-schema of $db failed"; }
    fi
    sql_tool --db "$db" update-schema --schema-name "postgresql/v12/$name" >"$DIR/schema-$db.log" 2>&1 \
      || { cat "$DIR/schema-$db.log" >&2; die "update-schema of $db failed"; }
    log "schema of $db at version $(psql_q -d "$db" -c "SELECT curr_version FROM schema_version")"
  done
}

# --- server -----------------------------------------------------------------

write_config() {
  local pw
  pw="$(pg_password)"
  (umask 077 && cat >"$DIR/temporal.yaml" <<EOF
# Written by scripts/production-temporal.sh; rewritten by every \`up\`.
log:
  stdout: true
  level: warn
persistence:
  # Fixed for the life of the database: history shards cannot be changed later.
  numHistoryShards: 4
  defaultStore: default
  visibilityStore: visibility
  datastores:
    default:
      sql:
        pluginName: postgres12
        databaseName: temporal
        connectAddr: "127.0.0.1:$PG_PORT"
        connectProtocol: tcp
        user: $PG_USER
        password: "$pw"
        maxConns: 20
        maxIdleConns: 20
        maxConnLifetime: 1h
    visibility:
      sql:
        pluginName: postgres12
        databaseName: temporal_visibility
        connectAddr: "127.0.0.1:$PG_PORT"
        connectProtocol: tcp
        user: $PG_USER
        password: "$pw"
        maxConns: 10
        maxIdleConns: 10
        maxConnLifetime: 1h
global:
  membership:
    maxJoinDuration: 30s
    broadcastAddress: 127.0.0.1
services:
  frontend:
    rpc: { grpcPort: $PORT, membershipPort: $((PORT - 300)), httpPort: $((PORT + 10)), bindOnIP: 127.0.0.1 }
  history:
    rpc: { grpcPort: $((PORT + 1)), membershipPort: $((PORT - 299)), bindOnIP: 127.0.0.1 }
  matching:
    rpc: { grpcPort: $((PORT + 2)), membershipPort: $((PORT - 298)), bindOnIP: 127.0.0.1 }
  worker:
    rpc: { grpcPort: $((PORT + 6)), membershipPort: $((PORT - 294)), bindOnIP: 127.0.0.1 }
clusterMetadata:
  enableGlobalNamespace: false
  failoverVersionIncrement: 10
  masterClusterName: active
  currentClusterName: active
  clusterInformation:
    active:
      enabled: true
      initialFailoverVersion: 1
      rpcName: frontend
      rpcAddress: "127.0.0.1:$PORT"
      httpAddress: "127.0.0.1:$((PORT + 10))"
dcRedirectionPolicy:
  policy: noop
dynamicConfigClient:
  filepath: "$ROOT/scripts/temporal-dynamicconfig.yaml"
  pollInterval: 60s
EOF
  )
}

wait_healthy() {
  local pid="$1" deadline=$((SECONDS + ${2:-120}))
  while [ $SECONDS -lt $deadline ]; do
    kill -0 "$pid" 2>/dev/null || { tail -30 "$DIR/temporal.log" >&2; die "temporal-server exited while starting; see $DIR/temporal.log"; }
    if temporal_cli operator cluster health 2>/dev/null | grep -q SERVING; then return; fi
    sleep 1
  done
  tail -30 "$DIR/temporal.log" >&2
  die "temporal-server did not become healthy at $ADDRESS within ${2:-120}s; see $DIR/temporal.log"
}

start_server() {
  [ -x "$SERVER_BIN" ] || die "temporal-server is not built; run: bash scripts/production-temporal.sh build"
  [ -f "$DIR/temporal.yaml" ] || die "no server config in $DIR; run: bash scripts/production-temporal.sh --dir $DIR up"
  pg_running || die "PostgreSQL is not running in $PGDATA; run: bash scripts/production-temporal.sh --dir $DIR up"
  local pid
  if pid="$(server_pid)"; then
    wait_healthy "$pid"
    return
  fi
  if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then die "port $PORT is taken by another process (not the server in $DIR)"; fi
  log "starting temporal-server $TEMPORAL_SERVER_VERSION on $ADDRESS (log: $DIR/temporal.log)"
  # Its own session, every descriptor on the log: the caller (a test's execa) must not wait for it.
  setsid "$SERVER_BIN" --config-file "$DIR/temporal.yaml" --allow-no-auth start >>"$DIR/temporal.log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$DIR/temporal.pid"
  wait_healthy "$pid"
  log "temporal-server is serving (pid $pid)"
}

stop_server() {
  local pid signal="${1:-TERM}"
  pid="$(server_pid)" || { rm -f "$DIR/temporal.pid"; return 0; }
  kill -"$signal" "$pid"
  for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid"; sleep 0.5; fi
  rm -f "$DIR/temporal.pid"
  log "temporal-server stopped (SIG$signal)"
}

# --- namespace and search attributes ----------------------------------------

# The names from contract/search-attributes.ts, the one list the workflows use.
search_attribute_names() {
  (cd "$ROOT" && node --import tsx -e "import('./contract/search-attributes.ts').then((m) => console.log(Object.values(m.SA).map((k) => k.name).join(' ')))")
}

ensure_namespace() {
  if ! temporal_cli operator namespace describe --namespace "$NAMESPACE" >/dev/null 2>&1; then
    log "creating namespace $NAMESPACE (retention $RETENTION)"
    temporal_cli operator namespace create --namespace "$NAMESPACE" --retention "$RETENTION" >/dev/null \
      || die "creating namespace $NAMESPACE failed"
  fi
  local names missing=() sa deadline
  names="$(search_attribute_names)" || die "could not read the search attributes from contract/search-attributes.ts (node_modules installed? run scripts/setup.sh)"
  # A new namespace reaches every service's cache within seconds: retry until the attributes are registered.
  deadline=$((SECONDS + 60))
  while :; do
    missing=()
    local listed
    listed="$(temporal_cli operator search-attribute list --namespace "$NAMESPACE" 2>/dev/null || true)"
    for sa in $names; do grep -qw "$sa" <<<"$listed" || missing+=("$sa"); done
    [ ${#missing[@]} -eq 0 ] && break
    local args=()
    for sa in "${missing[@]}"; do args+=(--name "$sa" --type Keyword); done
    temporal_cli operator search-attribute create --namespace "$NAMESPACE" "${args[@]}" >/dev/null 2>"$DIR/search-attributes.log" \
      && log "registered search attributes: ${missing[*]}"
    [ $SECONDS -lt $deadline ] || { cat "$DIR/search-attributes.log" >&2; die "could not register search attributes ${missing[*]} on $NAMESPACE"; }
    sleep 1
  done
}

status() {
  local pid
  if pg_running; then echo "postgresql: running on 127.0.0.1:$PG_PORT ($PGDATA)"; else echo "postgresql: stopped"; fi
  if pid="$(server_pid)"; then echo "temporal-server: running, pid $pid, $ADDRESS"; else echo "temporal-server: stopped"; fi
}

case "$COMMAND" in
  build) build ;;
  up)
    build
    start_postgresql
    apply_schema
    write_config
    start_server
    ensure_namespace
    log "ready: TEMPORAL_ADDRESS=$ADDRESS namespace $NAMESPACE"
    ;;
  start) start_server ;;
  stop) stop_server TERM ;;
  kill) stop_server KILL ;;
  down)
    stop_server TERM
    stop_postgresql
    ;;
  status) status ;;
  address) echo "$ADDRESS" ;;
  tools) echo "$SERVER_CACHE" ;;
  *) die "unknown command $COMMAND (build, up, start, stop, kill, down, status, address, tools)" ;;
esac
