#!/usr/bin/env bash
# One command from a fresh machine (root, Debian, Node 20.19+) to a working FactoryCI:
# installs what is missing, builds, and shows factory-agent validating, planning and running examples/.factory.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v git >/dev/null; then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq git >/dev/null
fi
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci
fi
npm run build

agent() { node apps/agent/bin/factory-agent.js "$@"; }
echo
echo "== factory-agent validate --dir examples/.factory"
agent validate --dir examples/.factory
echo
echo "== factory-agent plan --dir examples/.factory --event push --branch main"
agent plan --dir examples/.factory --event push --branch main
echo
echo "== factory-agent run --dir examples/.factory --event push --branch main"
agent run --dir examples/.factory --workdir . --event push --branch main --secret DEPLOY_TOKEN=example-token
