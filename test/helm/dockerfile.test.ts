import { accessSync, constants, existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findOne, podTemplate, readRepoFile, renderChart, repoRoot, type Container } from './manifests.js';

/*
 * The images cannot be built on this machine (no Docker engine). These tests check what can be checked without one:
 * the Dockerfile's structure, that what it runs exists, that it matches what the chart runs, and that each image's
 * workspace-focused `npm ci --omit=dev --workspace=...` will hold every package its code imports.
 */

interface Stage {
  name: string;
  from: string;
  lines: string[];
}

function parseDockerfile(text: string): { args: Map<string, string>; stages: Stage[] } {
  const logical = text.replace(/\\\n/g, ' ').split('\n').map((line) => line.trim()).filter((line) => line && !line.startsWith('#'));
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  for (const line of logical) {
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?$/i.exec(line);
    if (from) {
      stages.push({ from: from[1] as string, name: from[2] ?? `#${stages.length}`, lines: [] });
      continue;
    }
    const arg = /^ARG\s+(\w+)=(\S+)$/.exec(line);
    if (arg && stages.length === 0) args.set(arg[1] as string, arg[2] as string);
    else stages.at(-1)?.lines.push(line);
  }
  return { args, stages };
}

const dockerfile = parseDockerfile(readRepoFile('docker/Dockerfile'));
const stage = (name: string): Stage => {
  const found = dockerfile.stages.find((candidate) => candidate.name === name);
  if (!found) throw new Error(`no stage ${name}`);
  return found;
};
const instruction = (target: Stage, keyword: string): string[] => target.lines.filter((line) => line.toUpperCase().startsWith(`${keyword} `));
const execForm = (line: string): string[] => JSON.parse(line.replace(/^\w+\s+/, '')) as string[];

/** The workspaces: package name -> folder and manifest. */
function workspaces(): Map<string, { dir: string; manifest: { name: string; dependencies?: Record<string, string> } }> {
  const found = new Map<string, { dir: string; manifest: { name: string; dependencies?: Record<string, string> } }>();
  for (const parent of ['packages', 'apps']) {
    for (const entry of readdirSync(join(repoRoot, parent))) {
      const file = join(repoRoot, parent, entry, 'package.json');
      if (!existsSync(file)) continue;
      const manifest = JSON.parse(readFileSync(file, 'utf8')) as { name: string; dependencies?: Record<string, string> };
      found.set(manifest.name, { dir: `${parent}/${entry}`, manifest });
    }
  }
  return found;
}

/** Packages imported at run time (not `import type`) by a workspace's non-test sources. */
function runtimeImports(dir: string): Set<string> {
  const imports = new Set<string>();
  const walk = (path: string): void => {
    for (const entry of readdirSync(join(repoRoot, path), { withFileTypes: true })) {
      const child = `${path}/${entry.name}`;
      if (entry.isDirectory()) {
        if (entry.name !== 'generated') walk(child);
      } else if (/\.(ts|js)$/.test(entry.name) && !/\.test\.ts$/.test(entry.name)) {
        const text = readFileSync(join(repoRoot, child), 'utf8');
        for (const match of text.matchAll(/^\s*(?:import|export)\s+(?!type\s)(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]/gm)) {
          const specifier = match[1] as string;
          if (specifier.startsWith('.') || specifier.startsWith('node:') || builtinModules.includes(specifier)) continue;
          imports.add(specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : (specifier.split('/')[0] as string));
        }
      }
    }
  };
  walk(`${dir}/src`);
  return imports;
}

describe('docker/Dockerfile', () => {
  it('pins its base image by an exact version tag and a sha256 digest, and builds every stage from it or an earlier stage', () => {
    const base = dockerfile.args.get('NODE_IMAGE');
    expect(base).toMatch(/^node:\d+\.\d+\.\d+-[a-z]+-slim@sha256:[a-f0-9]{64}$/);
    const seen: string[] = [];
    for (const { from, name } of dockerfile.stages) {
      expect(from === '${NODE_IMAGE}' || seen.includes(from), `${name} FROM ${from}`).toBe(true);
      seen.push(name);
    }
    // the engine version the project declares is the one the image has
    const engines = (JSON.parse(readRepoFile('package.json')) as { engines: { node: string } }).engines.node;
    const [major, minor] = (/(\d+)\.(\d+)/.exec(engines) ?? []).slice(1).map(Number);
    const [imageMajor, imageMinor] = (/node:(\d+)\.(\d+)/.exec(base ?? '') ?? []).slice(1).map(Number);
    expect(imageMajor).toBe(major);
    expect(imageMinor).toBeGreaterThanOrEqual(minor as number);
  });

  it.each(['api', 'orchestrator', 'agent'])('runs the %s image as a non-root numeric user', (target) => {
    const users = instruction(stage(target), 'USER');
    expect(users.length).toBeGreaterThan(0);
    const user = (users.at(-1) as string).replace(/^USER\s+/i, '');
    expect(user).toMatch(/^[1-9]\d*(:[1-9]\d*)?$/);
    // the chart's runAsUser is that user
    const values = readRepoFile('helm/factory-ci/values.yaml');
    expect(values).toContain(`runAsUser: ${user.split(':')[0]}`);
  });

  it('builds with npm ci (lock file, no install scripts) and keeps only production dependencies in the images', () => {
    const build = stage('build').lines.join('\n');
    expect(build).toMatch(/npm ci --ignore-scripts/);
    expect(build).toMatch(/npm run build/);
    const names = workspaces();
    for (const target of ['api', 'orchestrator', 'agent']) {
      const deps = stage(`deps-${target}`).lines.join('\n');
      expect(deps).toMatch(/npm ci --omit=dev --ignore-scripts/);
      const workspace = /--workspace=(\S+)/.exec(deps)?.[1] as string;
      expect(names.get(workspace)?.dir).toBe(`apps/${target}`);
      expect(instruction(stage(target), 'COPY').join('\n')).toContain(`--from=deps-${target}`);
    }
    // the project's .npmrc (legacy-peer-deps) is part of the install in the image as on a developer's machine
    expect(build).toContain('.npmrc');
    const ignore = readRepoFile('.dockerignore').split('\n');
    for (const path of ['.git', '**/node_modules', '**/dist', '.data']) expect(ignore).toContain(path);
    expect(ignore).not.toContain('.npmrc');
  });

  it("starts the programs the chart runs, which exist in the repository", async () => {
    const all = await renderChart([]);
    for (const target of ['api', 'orchestrator']) {
      const cmd = execForm(instruction(stage(target), 'CMD').at(-1) as string);
      const container = podTemplate(findOne(all, 'Deployment', `-${target}`)).spec.containers[0] as Container;
      expect(container.command).toEqual(cmd);
      expect(cmd[0]).toBe('node');
      expect(existsSync(join(repoRoot, (cmd[1] as string).replace('/dist/', '/src/').replace(/\.js$/, '.ts'))), cmd[1]).toBe(true);
    }
    const migrate = podTemplate(findOne(all, 'Job', '-migrate')).spec.containers[0] as Container;
    expect(existsSync(join(repoRoot, (migrate.command?.[1] as string).replace('/dist/', '/src/').replace(/\.js$/, '.ts')))).toBe(true);
    // the migrations the command applies are in the image, where packages/db/src/paths.ts looks for them
    expect(stage('build').lines.join('\n')).toContain('cp -R prisma/migrations /out/prisma/migrations');
    expect(readRepoFile('packages/db/src/paths.ts')).toContain("'../../../prisma/migrations/'");
  });

  it('makes the agent image a runner image: factory-agent on the PATH, git, a shell, a writable /workspace', () => {
    const agent = stage('agent').lines.join('\n');
    expect(agent).toMatch(/apt-get install -y --no-install-recommends [^&]*\bgit\b/);
    expect(agent).toContain('ln -s /opt/factoryci/apps/agent/bin/factory-agent.js /usr/local/bin/factory-agent');
    expect(agent).toContain('chown 1000:1000 /workspace');
    expect(agent).not.toMatch(/NODE_ENV/);
    const bin = join(repoRoot, 'apps/agent/bin/factory-agent.js');
    expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node')).toBe(true);
    accessSync(bin, constants.X_OK);
    // the Job's command is that program, in the Job's working directory
    expect(execForm(instruction(stage('agent'), 'CMD').at(-1) as string)).toEqual(['factory-agent', 'run']);
    expect(readRepoFile('apps/orchestrator/src/kubernetes/agent-job.ts')).toMatch(/command: \['factory-agent', 'run'\]/);
    expect(instruction(stage('agent'), 'WORKDIR').at(-1)).toBe('WORKDIR /workspace');
  });

  it.each(['api', 'orchestrator', 'agent'])(
    'installs every package the %s code imports at run time with its workspace-focused install',
    (target) => {
      const all = workspaces();
      const seen = new Set<string>();
      const missing: string[] = [];
      const visit = (name: string): void => {
        if (seen.has(name)) return;
        seen.add(name);
        const workspace = all.get(name);
        if (!workspace) return;
        const declared = new Set(Object.keys(workspace.manifest.dependencies ?? {}));
        for (const imported of runtimeImports(workspace.dir)) {
          if (imported === name) continue;
          if (!declared.has(imported)) missing.push(`${workspace.dir} imports ${imported} but its package.json does not depend on it`);
        }
        for (const dependency of declared) visit(dependency);
      };
      visit(`@factoryci/${target}`);
      expect(missing).toEqual([]);
    },
  );

  it.each(['api', 'orchestrator'])('puts the one GitHub module (@factoryci/github-app) into the %s image', (target) => {
    const manifest = workspaces().get(`@factoryci/${target}`)?.manifest;
    expect(manifest?.dependencies?.['@factoryci/github-app']).toBe('0.1.0');
    expect(runtimeImports(`apps/${target}`)).toContain('@factoryci/github-app');
    // its own imports (Octokit) come with it through its package.json
    expect(Object.keys(workspaces().get('@factoryci/github-app')?.manifest.dependencies ?? {})).toEqual(expect.arrayContaining([...runtimeImports('packages/github-app')]));
  });
});
