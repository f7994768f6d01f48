# Run inside an execution: FactoryCI's files, other runs' workspaces, root's files, writing outside the workspace.
try() { # label, command...
  label="$1"; shift
  if "$@" >/dev/null 2>&1; then echo "ALLOWED $label"; else echo "BLOCKED $label"; fi
}
echo "uid $(id -u) gid $(id -g) groups $(id -G)"
if [ "$(id -u)" = 0 ]; then echo "ALLOWED running as root"; else echo "BLOCKED running as root"; fi
try "read of the victim run's workspace" cat "$VICTIM_WS/victim.txt"
echo "state directory lists: $(ls -A "$STATE_DIR" 2>/dev/null | tr '\n' ' ')"
for entry in $(ls -A "$STATE_DIR" 2>/dev/null); do
  if [ "$entry" = "$VICTIM_RUN" ]; then echo "ALLOWED listing the victim run in the state directory"; fi
done
try "read of root's 0600 file" cat "$ROOT_SECRET"
try "read of .data/factory.env" cat "$INSTALL_ROOT/.data/factory.env"
try "listing of .data/" ls "$INSTALL_ROOT/.data/mariadb"
echo "installation directory lists: $(ls -A "$INSTALL_ROOT" 2>/dev/null | wc -l) entries"
try "write outside the workspace ($OUTSIDE_DIR)" touch "$OUTSIDE_DIR/pwned"
try "write to /usr/local" touch /usr/local/pwned
try "write to the state directory" touch "$STATE_DIR/pwned"
try "write to the run's own output log" sh -c "echo forged >> '$OWN_RUN_DIR/output.log'"
try "read of the run's own state (run.json)" cat "$OWN_RUN_DIR/run.json"
# the agent's and the server's own settings; FACTORY_RUN_ID is not one of them any more: it is a run variable (the
# workflow's id, no credential; docs/factory-hcl.md#variables)
for name in FACTORY_RUN_TOKEN FACTORY_ENCRYPTION_KEY FACTORY_ADMIN_TOKEN DATABASE_URL REDIS_URL FACTORY_API_URL FACTORY_SANDBOX; do
  if env | grep -q "^$name="; then echo "ALLOWED $name in the execution's environment"; fi
done
if env | grep -q 'frt_'; then echo "ALLOWED a run token in the execution's environment"; fi
touch "$FACTORY_WORKSPACE/written-by-execution" && echo "wrote in the workspace"
touch "$HOME/written-by-execution" && echo "wrote in HOME"
touch /tmp/written-by-execution && echo "wrote in /tmp"
exit 0
