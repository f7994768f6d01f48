import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import mysql from 'mysql2/promise';
import { withServerConnection } from '../support/db.js';

/**
 * A private MariaDB server in a temporary directory (never the shared one of scripts/services.sh, which other tests
 * use), on `port`, with a root password: a test may stop it for real and start it again on the same port and data.
 */
export interface PrivateMariadb {
  /** `mysql://root:<password>@127.0.0.1:<port>`: a server URL (createTestDatabase's `serverUrl`, startApi's `databaseServerUrl`). */
  url: string;
  /** The running mariadbd's pid. */
  pid(): number | undefined;
  /** Makes the data directory (the first time), starts mariadbd on it and waits until it answers with the password. */
  start(): Promise<void>;
  /** A clean shutdown (SIGTERM: mariadbd closes its connections and flushes), waiting for the process to end. */
  shutdown(): Promise<void>;
  /** Shuts it down if it runs and removes its directory. */
  remove(): Promise<void>;
}

const run = promisify(execFile);

export function privateMariadb(port: number): PrivateMariadb {
  const dir = mkdtempSync(join(tmpdir(), 'factoryci-mariadb-'));
  const datadir = join(dir, 'data');
  const socket = join(dir, 'sock');
  const logFile = join(dir, 'server.log');
  const password = randomBytes(12).toString('hex');
  const url = `mysql://root:${password}@127.0.0.1:${port}`;
  let installed = false;
  let child: ChildProcess | undefined;
  const exited = (c: ChildProcess) => (c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise<void>((resolve) => c.once('exit', () => resolve())));

  const serverLog = () => {
    try {
      return readFileSync(logFile, 'utf8').slice(-2000);
    } catch {
      return '';
    }
  };

  /** Waits until `answers` does, or the server has ended or `timeoutMs` passed. */
  async function waitUntilAnswering(answers: () => Promise<unknown>, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      try {
        await answers();
        return;
      } catch (error) {
        if (!child || child.exitCode !== null || Date.now() > deadline) throw new Error(`mariadbd on ${port} did not start: ${(error as Error).message}\n${serverLog()}`);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  /** Gives the root accounts the password (over the socket); the server resolves no names, so there are only these. */
  async function secure(): Promise<void> {
    const conn = await mysql.createConnection({ socketPath: socket, user: 'root', multipleStatements: true });
    try {
      const hosts = ['localhost', '127.0.0.1', '::1'].map((host) => `'root'@${conn.escape(host)} IDENTIFIED BY ${conn.escape(password)}`);
      await conn.query(`ALTER USER ${hosts.join(', ')}; DROP USER IF EXISTS ''@'localhost'; FLUSH PRIVILEGES;`);
    } finally {
      await conn.end();
    }
  }

  return {
    url,
    pid: () => (child && child.exitCode === null && child.signalCode === null ? child.pid : undefined),
    async start() {
      if (!installed) await run('mariadb-install-db', ['--no-defaults', '--user=root', `--datadir=${datadir}`, '--auth-root-authentication-method=normal', '--skip-test-db']);
      const log = openSync(logFile, 'a');
      child = spawn(
        'mariadbd',
        [
          '--no-defaults',
          '--user=root',
          `--datadir=${datadir}`,
          `--socket=${socket}`,
          `--port=${port}`,
          '--bind-address=127.0.0.1',
          '--skip-name-resolve',
          '--skip-log-bin',
          '--innodb-flush-log-at-trx-commit=2',
          '--innodb-buffer-pool-size=64M',
          `--pid-file=${join(dir, 'pid')}`,
        ],
        { stdio: ['ignore', log, log] },
      );
      closeSync(log);
      if (!installed) {
        await waitUntilAnswering(async () => (await mysql.createConnection({ socketPath: socket, user: 'root' })).end(), 20_000);
        await secure();
        installed = true;
      }
      await waitUntilAnswering(() => withServerConnection(url, (conn) => conn.query('SELECT 1')), 20_000);
    },
    async shutdown() {
      const current = child;
      if (!current) return;
      current.kill('SIGTERM');
      await exited(current);
    },
    async remove() {
      if (child && child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited(child);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
