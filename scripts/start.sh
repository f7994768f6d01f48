#!/usr/bin/env bash
# One command from a fresh machine (root, Debian, Node 20.19+) to a running FactoryCI on this machine:
# installs what is missing (git, MariaDB, Redis, npm packages), builds, starts private MariaDB and Redis under .data/,
# migrates the database, creates the local admin user on the first start, shows factory-agent on examples/.factory, makes the demo repository .data/demo (a copy of
# examples/.factory, for README "Try it"), then runs the API and the orchestrator (local runner: agents are child
# processes, two of them kept warm, no Kubernetes or Consul needed) until Ctrl-C and prints how to try it.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
mkdir -p .data/logs

if ! command -v git >/dev/null || ! command -v mariadbd >/dev/null || ! command -v redis-server >/dev/null || ! command -v bwrap >/dev/null; then
  echo "== installing system packages (git, mariadb-server, redis-server, bubblewrap)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq git mariadb-server redis-server bubblewrap >/dev/null
fi
bash scripts/sandbox-user.sh
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "== npm ci"
  npm ci
fi
echo "== build"
npm run build >.data/logs/build.log 2>&1 || { cat .data/logs/build.log; exit 1; }

echo "== services (MariaDB, Redis)"
while IFS= read -r line; do export "$line"; done < <(bash scripts/services.sh start)

# Settings of this installation, generated once and kept (git-ignored).
if [ ! -f .data/factory.env ]; then
  umask 077
  {
    echo "FACTORY_ADMIN_TOKEN=$(node -e "console.log(require('crypto').randomBytes(24).toString('base64url'))")"
    echo "FACTORY_ENCRYPTION_KEY=$(node -e "console.log(require('crypto').randomBytes(32).toString('hex'))")"
  } > .data/factory.env
fi
set -a; . .data/factory.env; set +a
export PORT="${PORT:-8080}" FACTORY_RUNNER="${FACTORY_RUNNER:-local}"
# warm agents: two idle agents wait with their modules loaded, so that a push starts running at once (docs/runners.md
# "Warm agents"); FACTORY_LOCAL_POOL_SIZE=0 turns the pool off
export FACTORY_LOCAL_POOL_SIZE="${FACTORY_LOCAL_POOL_SIZE:-2}"
export PUBLIC_URL="${PUBLIC_URL:-http://127.0.0.1:$PORT}"

echo "== migrate"
npm run --silent db:migrate

# The first administrator: the local user "admin", made once (FACTORY_ADMIN_PASSWORD, or a random password shown once).
echo "== users"
node apps/api/dist/users-command.js ensure-admin

agent() { node apps/agent/bin/factory-agent.js "$@"; }
echo
echo "== factory-agent validate --dir examples/.factory"
agent validate --dir examples/.factory
echo
echo "== factory-agent run --dir examples/.factory --event push --branch main"
agent run --dir examples/.factory --workdir . --event push --branch main --secret DEPLOY_TOKEN=example-token

# A repository on disk to try it with (README "Try it"): examples/.factory committed in .data/demo, made once.
DEMO="$ROOT/.data/demo"
if [ ! -d "$DEMO/.git" ]; then
  echo
  echo "== demo repository $DEMO (examples/.factory)"
  mkdir -p "$DEMO/.factory"
  cp examples/.factory/*.hcl "$DEMO/.factory/"
  printf '# demo\n\nA repository to try FactoryCI with: its .factory/ is a copy of examples/.factory.\n' > "$DEMO/README.md"
  git -C "$DEMO" init -q -b main
  git -C "$DEMO" add -A
  git -C "$DEMO" -c user.name=FactoryCI -c user.email=factoryci@localhost commit -q -m "FactoryCI demo: examples/.factory"
fi

echo
echo "== starting the API on :$PORT and the orchestrator (runner: $FACTORY_RUNNER); logs in .data/logs"
pids=()
stop() { trap - INT TERM EXIT; kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; }
trap stop INT TERM EXIT
node apps/api/dist/main.js >>.data/logs/api.log 2>&1 & pids+=($!)
node apps/orchestrator/dist/main.js >>.data/logs/orchestrator.log 2>&1 & pids+=($!)
healthy() { node -e "fetch('http://127.0.0.1:$PORT/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"; }
for _ in $(seq 1 50); do healthy && break; sleep 0.2; done
healthy || { echo "the API did not start:"; tail -20 .data/logs/api.log; exit 1; }
cat <<MSG

FactoryCI is running. Open the web UI: http://127.0.0.1:$PORT/
Sign in as the user "admin" with the password printed under "== users" on the first start (or paste the admin token
from .data/factory.env). The API is at the same address (OpenAPI: /docs/json); the admin token stays for automation.
Try it in another shell (README "Try it"): a project for the demo repository on disk, a signed push, the run.
  cd $ROOT && source .data/factory.env && API=http://127.0.0.1:$PORT
1. Create the project (the answer shows its "id" and, this once, its "webhook_secret") and give it the run secret
   DEPLOY_TOKEN that the demo's deploy pipeline declares:
  curl -s -H "Authorization: Bearer \$FACTORY_ADMIN_TOKEN" -H 'content-type: application/json' \\
       -d '{"owner":"me","project":"demo","url":"file://$DEMO"}' "\$API/project"
  curl -s -X PUT -H "Authorization: Bearer \$FACTORY_ADMIN_TOKEN" -H 'content-type: application/json' \\
       -d '{"value":"example-token"}' "\$API/project/secret?id=<id>&name=DEPLOY_TOKEN"
2. Send it a signed push of the demo repository's HEAD (the answer shows the "workflow_id"):
  npm run send-sample-push -- --project <id> --secret <webhook_secret> --api "\$API"
3. Watch the run: "status" goes queued, running, success, with every pipeline, stage and execution; an execution's log:
  curl -s -H "Authorization: Bearer \$FACTORY_ADMIN_TOKEN" "\$API/workflow?id=<workflow_id>"
  curl -s -H "Authorization: Bearer \$FACTORY_ADMIN_TOKEN" "\$API/execution/log?id=<execution id>"
Commit to .data/demo (e.g. edit .factory/build.hcl) and send another push to run it again.
Ctrl-C stops the API and the orchestrator.
MSG
wait -n "${pids[@]}"
