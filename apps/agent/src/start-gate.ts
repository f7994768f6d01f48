/**
 * The start gate of an execution. Between the moment an execution's process exists and the moment the agent has
 * recorded its process group (process-group.ts: the ledger that whoever outlives the agent reads), an agent killed
 * — or just not scheduled on a busy machine — would leave an execution running that nobody knows of. So the
 * execution's own shell (`/bin/sh -e -c`, the last program of every sandbox's launch) first waits, doing nothing, at a
 * gate: its script begins by reading one line from fd 3 (a pipe whose other end only the agent holds). The agent
 * records the group, then opens the gate (`go`), and only then does the shell go on to the execution's command. If
 * the agent dies first, the pipe closes, the read sees its end and the shell exits: the command never starts. What
 * runs before the gate is FactoryCI's own launch (bubblewrap, setpriv), never the run's code; the gate costs no
 * process of its own.
 */
export const GATE_FD = 3;
export const GATE_OPEN = 'go\n';
/** The exit code of a gate that closed without opening (the agent went away). */
export const GATE_CLOSED_EXIT = 125;

/**
 * On the command's first line, so that its line numbers (`$LINENO`, the shell's error messages) stay as written; its
 * variable is unset before the command runs, and fd 3 is closed.
 */
const GATE_PREFIX = `IFS= read -r factory_gate <&${GATE_FD} && [ "$factory_gate" = go ] || exit ${GATE_CLOSED_EXIT}; exec ${GATE_FD}<&-; unset factory_gate; `;

/** The shell script that runs `command` once the gate opens (pure). */
export function gatedCommand(command: string): string {
  return `${GATE_PREFIX}${command}`;
}
