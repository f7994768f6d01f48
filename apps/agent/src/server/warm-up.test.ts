import { describe, expect, it } from 'vitest';
import { warmHttpClient } from './warm-up.js';

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
