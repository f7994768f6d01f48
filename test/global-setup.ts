import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/**
 * Starts the private MariaDB and Redis the integration tests use (installing them when missing), unless the
 * environment says they are provided elsewhere (FACTORY_TEST_SERVICES=external).
 */
export default function setup(): void {
  if (process.env.FACTORY_TEST_SERVICES === 'external') return;
  const script = fileURLToPath(new URL('../scripts/services.sh', import.meta.url));
  execFileSync('bash', [script, 'start'], { stdio: ['ignore', 'ignore', 'inherit'] });
}
