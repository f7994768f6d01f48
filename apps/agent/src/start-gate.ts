import { accessSync, constants, statSync } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

/**
 * The start gate of an execution. Between the moment an execution's process exists and the moment the agent has
 * recorded its process group (process-group.ts: the ledger that whoever outlives the agent reads), an agent killed
 * — or just not scheduled on a busy machine — would leave an execution running that nobody knows of. So the process
 * the agent spawns first waits, doing nothing, at a gate: a shell reading one line from fd 3 (a pipe whose other end
 * only the agent holds). The agent records the group, then opens the gate (`go`), and only then does the shell
 * `exec` the execution's own launch (same pid, so same group). If the agent dies first, the pipe closes, the read
 * sees its end and the shell exits: the execution never starts.
 */
export const GATE_FD = 3;
export const GATE_OPEN = 'go\n';
/** The exit code of a gate that closed without opening (the agent went away). */
export const GATE_CLOSED_EXIT = 125;

const GATE_SCRIPT = `IFS= read -r gate <&${GATE_FD} && [ "$gate" = go ] || exit ${GATE_CLOSED_EXIT}; exec ${GATE_FD}<&-; exec "$@"`;

export interface Launch {
  file: string;
  args: string[];
}

/** The argv that runs `launch` behind the gate (pure): `/bin/sh -c <gate> factory-gate <file> <args…>`. */
export function gatedLaunch(launch: Launch): Launch {
  return { file: '/bin/sh', args: ['-c', GATE_SCRIPT, 'factory-gate', launch.file, ...launch.args] };
}

/**
 * Why `file` cannot be executed (as spawn would find it: a path, or a name looked up in `PATH`), or undefined when it
 * can. Behind the gate a missing program would only be the shell's exit code 127; this keeps it a start error.
 */
export function unexecutable(file: string, path: string | undefined): string | undefined {
  const candidates = file.includes('/') ? [file] : (path ?? '').split(delimiter).filter((dir) => isAbsolute(dir)).map((dir) => join(dir, file));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return undefined;
    } catch {
      // next
    }
  }
  return file.includes('/') ? `${file} is not an executable file` : `${file} is not found in PATH`;
}
