#!/usr/bin/env bash
# Private MariaDB and Redis instances for development and tests, with their data under .data/ (git-ignored).
#   scripts/services.sh start   install (when missing) and start both; idempotent
#   scripts/services.sh stop    stop both
# Both ask for a password (made once in .data/passwords); `start` prints DATABASE_URL and REDIS_URL with it and keeps
# them in .data/services.env (mode 0600), where the tests read them.
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

# Passwords of the private instances, made once (0600): a run's code shares this machine's loopback network, so
# neither MariaDB nor Redis may answer without one (docs/security.md).
passwords() {
  if [ ! -f "$D/passwords" ]; then
    (umask 077; {
      echo "DB_PASSWORD=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')"
      echo "REDIS_PASSWORD=$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')"
    } >"$D/passwords")
  fi
  # shellcheck disable=SC1091
  . "$D/passwords"
}

# Gives every root account the password and drops the anonymous accounts mariadb-install-db makes, in one session
# (once: afterwards root needs the password).
secure_mariadb() {
  local sock="$D/mariadb/sock" sql
  if mariadb --socket="$sock" -uroot -p"$DB_PASSWORD" -e 'SELECT 1' >/dev/null 2>&1; then return; fi
  sql=$(mariadb --socket="$sock" -uroot -N -e "SELECT CONCAT(IF(User = '', 'DROP USER ', 'ALTER USER '), QUOTE(User), '@', QUOTE(Host),
      IF(User = '', '', CONCAT(' IDENTIFIED BY ', QUOTE('$DB_PASSWORD'))), ';') FROM mysql.user WHERE User IN ('root', '')")
  mariadb --socket="$sock" -uroot -e "$sql FLUSH PRIVILEGES;"
}

# PONG only with the password (a Redis without one answers PONG to anyone, and is given one in start).
redis_answers() { redis-cli --no-auth-warning -a "$REDIS_PASSWORD" -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; }

start() {
  install_packages
  mkdir -p "$D/mariadb" "$D/redis"
  passwords
  if ! mariadb-admin --socket="$D/mariadb/sock" -uroot ping >/dev/null 2>&1; then
    if [ ! -d "$D/mariadb/data/mysql" ]; then
      mariadb-install-db --user=root --datadir="$D/mariadb/data" --auth-root-authentication-method=normal >"$D/mariadb/install.log" 2>&1
    fi
    nohup mariadbd --user=root --datadir="$D/mariadb/data" --socket="$D/mariadb/sock" --port="$MARIADB_PORT" \
      --bind-address=127.0.0.1 --skip-log-bin --innodb-flush-log-at-trx-commit=2 --pid-file="$D/mariadb/pid" >"$D/mariadb/server.log" 2>&1 &
    wait_for MariaDB mariadb-admin --socket="$D/mariadb/sock" -uroot ping
  fi
  secure_mariadb
  if redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; then
    # started before it had a password
    redis-cli -p "$REDIS_PORT" config set requirepass "$REDIS_PASSWORD" >/dev/null
  fi
  if ! redis_answers; then
    redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --daemonize yes --save "" --appendonly no --requirepass "$REDIS_PASSWORD" \
      --dir "$D/redis" --pidfile "$D/redis/pid" --logfile "$D/redis/server.log"
    wait_for Redis redis_answers
  fi
  local urls
  urls="DATABASE_URL=mysql://root:$DB_PASSWORD@127.0.0.1:$MARIADB_PORT/factory
REDIS_URL=redis://:$REDIS_PASSWORD@127.0.0.1:$REDIS_PORT"
  (umask 077; echo "$urls" >"$D/services.env")
  echo "$urls"
}

stop() {
  passwords
  redis-cli --no-auth-warning -a "$REDIS_PASSWORD" -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
  mariadb-admin --socket="$D/mariadb/sock" -uroot -p"$DB_PASSWORD" shutdown >/dev/null 2>&1 || true
}

case "${1:-start}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
