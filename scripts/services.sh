#!/usr/bin/env bash
# Private MariaDB and Redis instances for development and tests, with their data under .data/ (git-ignored).
#   scripts/services.sh start   install (when missing) and start both; idempotent
#   scripts/services.sh stop    stop both
# Ports: MariaDB 127.0.0.1:${FACTORY_MARIADB_PORT:-33306}, Redis 127.0.0.1:${FACTORY_REDIS_PORT:-63790}.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
D="$ROOT/.data"
MARIADB_PORT="${FACTORY_MARIADB_PORT:-33306}"
REDIS_PORT="${FACTORY_REDIS_PORT:-63790}"

install_packages() {
  if command -v mariadbd >/dev/null && command -v redis-server >/dev/null && command -v bwrap >/dev/null; then return; fi
  echo "services: installing mariadb-server, redis-server and bubblewrap (the local runner's sandbox)" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mariadb-server redis-server bubblewrap >/dev/null
}

wait_for() { # name, command...
  local name="$1"; shift
  for _ in $(seq 1 100); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.2
  done
  echo "services: $name did not answer in 20s" >&2
  return 1
}

start() {
  install_packages
  mkdir -p "$D/mariadb" "$D/redis"
  if ! mariadb-admin --socket="$D/mariadb/sock" -uroot ping >/dev/null 2>&1; then
    if [ ! -d "$D/mariadb/data/mysql" ]; then
      mariadb-install-db --user=root --datadir="$D/mariadb/data" --auth-root-authentication-method=normal >"$D/mariadb/install.log" 2>&1
    fi
    nohup mariadbd --user=root --datadir="$D/mariadb/data" --socket="$D/mariadb/sock" --port="$MARIADB_PORT" \
      --bind-address=127.0.0.1 --skip-log-bin --innodb-flush-log-at-trx-commit=2 --pid-file="$D/mariadb/pid" >"$D/mariadb/server.log" 2>&1 &
    wait_for MariaDB mariadb-admin --socket="$D/mariadb/sock" -uroot ping
  fi
  if ! redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1; then
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --save "" --appendonly no \
      --dir "$D/redis" --pidfile "$D/redis/pid" --logfile "$D/redis/server.log"
    wait_for Redis redis-cli -p "$REDIS_PORT" ping
  fi
  echo "DATABASE_URL=mysql://root@127.0.0.1:$MARIADB_PORT/factory"
  echo "REDIS_URL=redis://127.0.0.1:$REDIS_PORT"
}

stop() {
  redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  mariadb-admin --socket="$D/mariadb/sock" -uroot shutdown >/dev/null 2>&1 || true
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
