#!/usr/bin/env bash
# `make run` after the build: starts an embedded PostgreSQL 15 cluster under
# var/ (unless DATABASE_URL is set), loads the demo data on first start, and
# runs plenumd in the foreground. Ctrl-C or SIGTERM stops plenumd and the
# embedded PostgreSQL cleanly; the next run reuses the data.
#
# Environment: PLENUMD (binary), PLENUM_PORT (8080), PLENUM_VAR (var/),
# DATABASE_URL (use that server instead of the embedded one).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
VAR=${PLENUM_VAR:-$root/var}
PORT=${PLENUM_PORT:-8080}
PLENUMD=${PLENUMD:-$root/build/release/plenumd}
PG_BIN=/usr/lib/postgresql/15/bin

die() {
  echo "make run: $*" >&2
  exit 1
}

[[ -x "$PLENUMD" ]] || die "plenumd is not built at $PLENUMD; run 'make run' from the repository root"
# Refuse a busy port before starting anything, so a failure leaves nothing running.
if (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; then
  die "port $PORT is already in use; stop the other server or run 'PLENUM_PORT=8081 make run'"
fi

pg_started=0
plenumd_pid=
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [[ -n "$plenumd_pid" ]] && kill -0 "$plenumd_pid" 2>/dev/null; then
    kill -TERM "$plenumd_pid" 2>/dev/null || true
    wait "$plenumd_pid" 2>/dev/null || true
  fi
  if [[ $pg_started -eq 1 ]]; then
    echo "make run: stopping the embedded PostgreSQL"
    as_pg "$PG_BIN/pg_ctl" -D "$DATA" -m fast -w stop >/dev/null || true
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

# PostgreSQL refuses to run as root: as root, run it as the `postgres` user
# that Debian's postgresql package creates.
as_pg() {
  if [[ $(id -u) -eq 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if [[ -z "${DATABASE_URL:-}" ]]; then
  [[ -x "$PG_BIN/postgres" ]] || die "PostgreSQL 15 is not installed; run 'deploy/deps.sh run'"
  DATA=$VAR/pg/data
  SOCK=$VAR/pg/run
  # A unix socket path must fit in 107 bytes; fall back to a short private dir.
  if ((${#SOCK} > 90)); then
    SOCK=/tmp/plenum-pg-$(printf '%s' "$VAR" | md5sum | cut -c1-12)
  fi
  mkdir -p "$VAR/pg" "$SOCK" "$VAR/data"
  if [[ $(id -u) -eq 0 ]]; then
    chown postgres: "$VAR/pg" "$SOCK"
    runuser -u postgres -- test -w "$VAR/pg" ||
      die "the postgres user cannot reach $VAR/pg (a parent directory is not searchable); clone Plenum under a world-searchable path or set DATABASE_URL"
  fi
  chmod 700 "$SOCK"
  if [[ ! -s "$DATA/PG_VERSION" ]]; then
    echo "make run: creating the embedded PostgreSQL cluster in $DATA"
    # initdb into a scratch dir and rename, so an interrupted first run leaves no half cluster.
    rm -rf "$DATA.new"
    as_pg "$PG_BIN/initdb" -D "$DATA.new" -U plenum -A trust -E UTF8 --locale=C.UTF-8 >"$VAR/pg/initdb.log" 2>&1 ||
      die "initdb failed; see $VAR/pg/initdb.log"
    mv "$DATA.new" "$DATA"
  fi
  # Unix socket only: nothing listens on TCP, and the socket dir is private.
  as_pg "$PG_BIN/pg_ctl" -D "$DATA" -l "$VAR/pg/postgresql.log" -w -t 60 \
    -o "-k $SOCK -c listen_addresses='' -c unix_socket_permissions=0700" start >/dev/null ||
    die "the embedded PostgreSQL did not start; see $VAR/pg/postgresql.log"
  pg_started=1
  DATABASE_URL="postgresql:///plenum?host=$SOCK&user=plenum"
  if ! psql -X -At -d "postgresql:///postgres?host=$SOCK&user=plenum" \
    -c "SELECT 1 FROM pg_database WHERE datname = 'plenum'" | grep -q 1; then
    psql -X -q -d "postgresql:///postgres?host=$SOCK&user=plenum" -c 'CREATE DATABASE plenum' ||
      die "could not create the database 'plenum'"
  fi
  db_desc="embedded PostgreSQL 15 in $DATA"
else
  db_desc="DATABASE_URL from the environment"
fi
export DATABASE_URL

# Migrations, then demo data on first start (a no-op when data exists).
"$PLENUMD" seed-demo --database-url "$DATABASE_URL" >/dev/null
# Demo petitions for the records page and the archive (once; a no-op when
# the demo council is absent or has petitions).
psql -X -q -v ON_ERROR_STOP=1 -d "$DATABASE_URL" -f "$root/schema/demo/records.sql" >/dev/null ||
  die "loading the demo petitions failed"

cat <<EOT

  Plenum is starting on http://localhost:$PORT/

    Web (hall, chair, delegates):  http://localhost:$PORT/
    Records (documents, minutes, petitions):  http://localhost:$PORT/records/
    Public archive:                http://localhost:$PORT/archive/?council=nhi-chieu
    Health:                        http://localhost:$PORT/healthz
    WebSocket:                     ws://localhost:$PORT/ws   (subprotocol plenum.v1)
    Database:                      $db_desc

  Demo logins, all with the password  plenum-demo :
    quantri      administrator
    chutich      chair (Chủ tịch HĐND), delegate seat 1
    phochutich   vice-chair (Phó Chủ tịch HĐND), delegate seat 2
    thuky        session secretary (Thư ký kỳ họp)
    daibieu03 … daibieu30   delegates, seats 3 to 30

  Stop with Ctrl-C.

EOT

"$PLENUMD" serve --port "$PORT" --database-url "$DATABASE_URL" \
  --web-root "$root/web" --data-dir "$VAR/data" &
plenumd_pid=$!
trap 'kill -TERM "$plenumd_pid" 2>/dev/null || true' INT TERM
# `wait` returns early when a trapped signal arrives; keep waiting for plenumd.
rc=0
while kill -0 "$plenumd_pid" 2>/dev/null; do
  wait "$plenumd_pid" && rc=0 || rc=$?
done
plenumd_pid=
exit "$rc"
