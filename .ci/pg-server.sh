#!/usr/bin/env bash
# A throw-away PostgreSQL server on loopback for the test suites (CI and local runs).
#
#   eval "$(bash .ci/pg-server.sh start)"   # prints `export KMS_TEST_PG_URL=...; export KMS_TEST_PG_DIR=...`
#   bash .ci/pg-server.sh stop "$KMS_TEST_PG_DIR"
#
# The cluster lives in a fresh temp directory owned by the `postgres` user (initdb refuses to run
# as root), listens only on 127.0.0.1 at a free port, trusts local connections (nothing else can
# reach it) and runs with fsync off: it is thrown away after the run. Needs Debian's
# `postgresql` package (initdb/pg_ctl under /usr/lib/postgresql/<major>/bin).
set -euo pipefail

bindir() {
  local d
  if command -v pg_ctl >/dev/null 2>&1 && command -v initdb >/dev/null 2>&1; then
    dirname "$(readlink -f "$(command -v pg_ctl)")"
    return
  fi
  d=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1 || true)
  if [ -z "$d" ] || [ ! -x "$d/initdb" ]; then
    echo "pg-server: no initdb found (install Debian's postgresql package)" >&2
    exit 1
  fi
  echo "$d"
}

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

case "${1:-}" in
  start)
    bin=$(bindir)
    dir=$(mktemp -d /tmp/kms-pg.XXXXXX)
    chmod 0755 "$dir"
    [ "$(id -u)" = 0 ] && chown postgres: "$dir"
    as_pg "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
      || { cat "$dir/initdb.log" >&2; exit 1; }
    port=$(free_port)
    as_pg "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
      -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=300" \
      start >/dev/null || { cat "$dir/server.log" >&2; exit 1; }
    echo "export KMS_TEST_PG_URL=postgres://postgres@127.0.0.1:$port/postgres"
    echo "export KMS_TEST_PG_DIR=$dir"
    ;;
  stop)
    dir=${2:?usage: pg-server.sh stop <dir>}
    bin=$(bindir)
    as_pg "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1 || true
    rm -rf "$dir"
    ;;
  *)
    echo "usage: pg-server.sh start | stop <dir>" >&2
    exit 2
    ;;
esac
