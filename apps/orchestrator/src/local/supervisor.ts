/**
 * The supervisor of a local run, run as `node -e SUPERVISOR_SOURCE <runDir> <argv...>`. It leads the run's process
 * group, runs the agent in `<runDir>/workspace` with its own environment, survives SIGTERM/SIGINT/SIGHUP (which reach
 * the agent through the group) so it can record how the agent ended in `<runDir>/exit.json`, and exits when the agent
 * does. Plain CommonJS so it runs the same from the sources and from dist.
 */
export const SUPERVISOR_SOURCE = `
const { spawn } = require('node:child_process');
const { writeFileSync, renameSync } = require('node:fs');
const { join } = require('node:path');
const [runDir, file, ...args] = process.argv.slice(1);
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => {});
function record(status) {
  const target = join(runDir, 'exit.json');
  writeFileSync(target + '.tmp', JSON.stringify(status));
  renameSync(target + '.tmp', target);
}
const child = spawn(file, args, { cwd: join(runDir, 'workspace'), stdio: 'inherit' });
child.on('error', (error) => {
  record({ exitCode: null, signal: null, error: 'could not start ' + file + ': ' + error.message });
  process.exit(127);
});
child.on('exit', (exitCode, signal) => {
  record({ exitCode, signal });
  process.exit(0);
});
`;
