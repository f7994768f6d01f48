#!/usr/bin/env bash
# The unprivileged user the local runner's sandbox runs executions as (docs/security.md); made once, as root.
# Without it, sandboxed executions run as nobody (65534).
set -u
id factory-run >/dev/null 2>&1 && exit 0
useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin factory-run ||
  echo "could not create the user factory-run: sandboxed executions run as nobody" >&2
exit 0
