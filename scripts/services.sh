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

# Whether something listens on 127.0.0.1:$1 (bash's /dev/tcp: no tool needed).
port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Another checkout's instance (its own .data/ and password) holds the port: say so and what to do, rather than
# start a server that cannot bind, or wait 20 s for one that answers with another password.
refuse_taken_port() { # name, port, variable
  echo "services: port $2 is in use, by a $1 that is not this checkout's ($D): another checkout (a git worktree, a" >&2
  echo "services: clone) runs its own. Stop it (scripts/services.sh stop there), or give this one other ports:" >&2
  echo "services:   $3=<port> scripts/services.sh start   (and the same variable for the tests)" >&2
  exit 1
}

# PONG only with the password (a Redis without one answers PONG to anyone, and is given one in start).
redis_answers() { redis-cli --no-auth-warning -a "$REDIS_PASSWORD" -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; }

start() {
  install_packages
  mkdir -p "$D/mariadb" "$D/redis"
  passwords
  local own_mariadb=0 own_redis=0 unguarded_redis=0
  if mariadb-admin --socket="$D/mariadb/sock" -uroot ping >/dev/null 2>&1; then own_mariadb=1; fi
  if redis_answers; then own_redis=1
  elif redis-cli -p "$REDIS_PORT" ping 2>/dev/null | grep -q PONG; then own_redis=1; unguarded_redis=1; fi
  # both ports checked before either server starts
  if [ "$own_mariadb" = 0 ] && port_taken "$MARIADB_PORT"; then refuse_taken_port MariaDB "$MARIADB_PORT" FACTORY_MARIADB_PORT; fi
  if [ "$own_redis" = 0 ] && port_taken "$REDIS_PORT"; then refuse_taken_port Redis "$REDIS_PORT" FACTORY_REDIS_PORT; fi
  if [ "$own_mariadb" = 0 ]; then
    if [ ! -d "$D/mariadb/data/mysql" ]; then
      mariadb-install-db --user=root --datadir="$D/mariadb/data" --auth-root-authentication-method=normal >"$D/mariadb/install.log" 2>&1
    fi
    nohup mariadbd --user=root --datadir="$D/mariadb/data" --socket="$D/mariadb/sock" --port="$MARIADB_PORT" \
      --bind-address=127.0.0.1 --skip-log-bin --innodb-flush-log-at-trx-commit=2 --pid-file="$D/mariadb/pid" >"$D/mariadb/server.log" 2>&1 &
    wait_for MariaDB mariadb-admin --socket="$D/mariadb/sock" -uroot ping
  fi
  secure_mariadb
  if [ "$unguarded_redis" = 1 ]; then
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
