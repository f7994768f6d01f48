import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { initRepository } from './git-checkout.js';
import { startObjectReader } from './git-objects.js';
import { warmHttpClient, warmRepositoryFor } from './warm-up.js';

const servers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'TCPServerWrap').length;
const sockets = () => process.getActiveResourcesInfo().filter((kind) => kind === 'TCPSocketWrap').length;

describe('the warm-up of the HTTP client', () => {
  it('makes its requests to a server of its own and leaves no server or connection open', async () => {
    const before = { servers: servers(), sockets: sockets() };
    await warmHttpClient();
    // closed handles leave the list once their close has been processed: a few turns of the loop
    for (let turn = 0; turn < 200 && (servers() !== before.servers || sockets() !== before.sockets); turn++) await new Promise((resolve) => setTimeout(resolve, 5));
    expect({ servers: servers(), sockets: sockets() }).toEqual(before);
  });
});

describe('the warm repository a claimed run takes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'factory-warm-repository-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('is the repository and its reader for the workdir they were made in; for another, nothing, and the reader is closed', async () => {
    const options = { cwd: dir, env: { PATH: process.env.PATH ?? '/usr/bin:/bin' } };
    await initRepository(options);
    const objects = startObjectReader(options);
    expect(warmRepositoryFor({ repository: dir, objects }, dir)).toEqual({ objects });
    expect(warmRepositoryFor({}, dir)).toEqual({});
    expect(warmRepositoryFor({ repository: dir, objects }, join(dir, 'elsewhere'))).toEqual({});
    await expect(objects.info('HEAD')).rejects.toThrow(/read after close/);
    await objects.close();
  });
});
