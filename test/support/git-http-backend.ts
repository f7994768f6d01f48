/**
 * One request of git's smart HTTP protocol answered by git's own `git http-backend` (CGI) over the repositories under
 * `root`: the shared core of the test git servers (test/support/git-http.ts, test/e2e/support/git-http-server.ts).
 */
import { execFileSync, spawn } from 'node:child_process';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';

let backend: string | undefined;

/**
 * The dashed `git-http-backend` program in `git --exec-path`, run directly: `git http-backend` would only exec it, a
 * process more per request (found once per process).
 */
export function gitHttpBackendPath(): string {
  return (backend ??= join(execFileSync('git', ['--exec-path'], { encoding: 'utf8' }).trim(), 'git-http-backend'));
}

export function answerWithGitHttpBackend(
  request: IncomingMessage,
  response: ServerResponse,
  options: { root: string; remoteUser?: string },
): void {
  const url = new URL(request.url ?? '/', 'http://git');
  const headers = request.headers;
  const cgi = spawn(gitHttpBackendPath(), [], {
    env: {
      PATH: process.env.PATH ?? '',
      GIT_PROJECT_ROOT: options.root,
      GIT_HTTP_EXPORT_ALL: '1',
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      REQUEST_METHOD: request.method ?? 'GET',
      CONTENT_TYPE: headers['content-type'] ?? '',
      ...(headers['content-length'] ? { CONTENT_LENGTH: headers['content-length'] } : {}),
      ...(headers['git-protocol'] ? { GIT_PROTOCOL: String(headers['git-protocol']) } : {}),
      ...(headers['content-encoding'] ? { HTTP_CONTENT_ENCODING: String(headers['content-encoding']) } : {}),
      ...(options.remoteUser ? { REMOTE_USER: options.remoteUser } : {}),
      REMOTE_ADDR: '127.0.0.1',
    },
    stdio: ['pipe', 'pipe', 'ignore'],
  });
  request.pipe(cgi.stdin);
  let head = Buffer.alloc(0);
  let headersSent = false;
  cgi.stdout.on('data', (chunk: Buffer) => {
    if (headersSent) return void response.write(chunk);
    head = Buffer.concat([head, chunk]);
    const end = head.indexOf('\r\n\r\n');
    if (end < 0) return;
    let status = 200;
    for (const line of head.subarray(0, end).toString('latin1').split('\r\n')) {
      const colon = line.indexOf(':');
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
      else response.setHeader(name, value);
    }
    response.writeHead(status);
    headersSent = true;
    response.write(head.subarray(end + 4));
  });
  cgi.on('close', () => {
    if (!headersSent) response.writeHead(500);
    response.end();
  });
}
