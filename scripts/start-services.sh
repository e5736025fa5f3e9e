#!/usr/bin/env bash
# Start PostgreSQL and Redis on loopback for the two-instance tests (tests/reliability).
#
# Installs Debian's postgresql and redis-server when missing (needs root and apt), starts
# them bound to 127.0.0.1, and creates the test role and database. Safe to run again: it
# only does what is not done yet. CI runs it before `make test`; without it those tests
# skip, saying why.
#
# Settings (defaults in brackets), the same variables the tests read:
#   POSTGRES_PORT [5432]  POSTGRES_DB [lems_test]  POSTGRES_USER [lems_test]
#   POSTGRES_PASSWORD [lems_test_only]  REDIS_PORT [6379]
# The test password guards a throw-away database on loopback; it is not a secret.
set -euo pipefail

PG_PORT="${POSTGRES_PORT:-5432}"
PG_DB="${POSTGRES_DB:-lems_test}"
PG_USER="${POSTGRES_USER:-lems_test}"
PG_PASSWORD="${POSTGRES_PASSWORD:-lems_test_only}"
REDIS_PORT="${REDIS_PORT:-6379}"
WAIT_SECONDS=30

say() { printf 'start-services: %s\n' "$*"; }
fail() { say "$*" >&2; exit 1; }

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
        fail "need root (or sudo) to run: $*"
    fi
}

wait_until() {  # wait_until <what> <command...>: retry for WAIT_SECONDS
    local what="$1"; shift
    for _ in $(seq "$WAIT_SECONDS"); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 1
    done
    fail "$what did not come up within ${WAIT_SECONDS} s"
}

install_missing() {
    local packages=()
    compgen -G '/usr/lib/postgresql/*/bin/postgres' >/dev/null || packages+=(postgresql)
    command -v redis-server >/dev/null || packages+=(redis-server)
    if [ "${#packages[@]}" -gt 0 ]; then
        say "installing ${packages[*]}"
        as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
        as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
    fi
}

start_postgres() {
    local version cluster
    version="$(basename "$(compgen -G '/usr/lib/postgresql/*' | sort -V | tail -n 1)")"
    cluster="$(pg_lsclusters --no-header | awk -v v="$version" '$1 == v {print $2; exit}')"
    if [ -z "$cluster" ]; then
        cluster=main
        as_root pg_createcluster "$version" "$cluster" --port "$PG_PORT" >/dev/null
    fi
    if ! pg_lsclusters --no-header | awk -v v="$version" -v c="$cluster" \
        '$1 == v && $2 == c && $4 == "online" {found=1} END {exit !found}'; then
        say "starting PostgreSQL $version/$cluster on 127.0.0.1:$PG_PORT"
        as_root pg_ctlcluster "$version" "$cluster" start -- \
            -o "-c listen_addresses=127.0.0.1 -c port=$PG_PORT"
    fi
    wait_until "PostgreSQL" pg_isready -q -h 127.0.0.1 -p "$PG_PORT"
}

psql_admin() {
    as_root runuser -u postgres -- psql -p "$PG_PORT" -v ON_ERROR_STOP=1 -qtAX "$@"
}

create_database() {
    local quoted_password="${PG_PASSWORD//\'/\'\'}"
    if [ "$(psql_admin -c "SELECT 1 FROM pg_roles WHERE rolname = '$PG_USER'")" != 1 ]; then
        say "creating role $PG_USER"
        psql_admin -c "CREATE ROLE \"$PG_USER\" LOGIN PASSWORD '$quoted_password'"
    fi
    if [ "$(psql_admin -c "SELECT 1 FROM pg_database WHERE datname = '$PG_DB'")" != 1 ]; then
        say "creating database $PG_DB"
        psql_admin -c "CREATE DATABASE \"$PG_DB\" OWNER \"$PG_USER\""
    fi
}

start_redis() {
    if ! redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping >/dev/null 2>&1; then
        say "starting Redis on 127.0.0.1:$REDIS_PORT"
        # a lock store only: nothing to persist
        as_root redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes \
            --save '' --appendonly no --protected-mode yes --logfile /tmp/redis-lems.log
    fi
    wait_until "Redis" redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping
}

install_missing
start_postgres
create_database
start_redis
say "PostgreSQL 127.0.0.1:$PG_PORT/$PG_DB (user $PG_USER) and Redis 127.0.0.1:$REDIS_PORT are up"
