/**
 * Git's smart HTTP protocol for repositories on local disk, through `git http-backend` (CGI): what a GitHub host's
 * `https://<host>/<owner>/<repo>.git` is to a clone. Each request's path and Authorization header are recorded.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { answerWithGitHttpBackend } from '../../support/git-http-backend.js';

export interface GitHttpServer {
  url: string;
  requests: { path: string; authorization: string | undefined }[];
  /** Serves the repository at `repoPath` (a work tree) as `<url>/<fullName>.git`. */
  serve(fullName: string, repoPath: string): void;
  close(): Promise<void>;
}

export async function startGitHttpServer(): Promise<GitHttpServer> {
  const root = mkdtempSync(join(tmpdir(), 'factoryci-git-http-'));
  const requests: GitHttpServer['requests'] = [];
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://git');
    const headers: IncomingHttpHeaders = req.headers;
    requests.push({ path: url.pathname, authorization: headers.authorization });
    answerWithGitHttpBackend(req, res, { root });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    requests,
    serve(fullName, repoPath) {
      const target = join(root, `${fullName}.git`);
      mkdirSync(dirname(target), { recursive: true });
      symlinkSync(join(repoPath, '.git'), target);
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(root, { recursive: true, force: true });
    },
  };
}
