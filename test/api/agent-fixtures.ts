import { deriveRunTokenKey, mintRunToken } from '@factoryci/run-token';
import { ensureRunCounter, takeRunNumber, type Db } from '@factoryci/db';
import { adminHeaders, type ApiHarness } from './harness.js';

export interface RunFixture {
  projectId: string;
  workflowId: string;
  token: string;
  headers: { authorization: string };
}

let counter = 0;

/** A project (through the admin API) with one workflow in `status`, and a run token for it, as the orchestrator mints. */
export async function createRun(
  api: ApiHarness,
  options: { url?: string; status?: 'queued' | 'provisioning' | 'running' | 'success' | 'awaiting_approval'; trusted?: boolean; projectId?: string; forkSecretPipelines?: string[] } = {},
): Promise<RunFixture> {
  let projectId = options.projectId;
  if (!projectId) {
    const created = await api.app.inject({
      method: 'POST',
      url: '/project',
      headers: adminHeaders,
      payload: {
        owner: 'acme',
        project: `p${++counter}`,
        url: options.url ?? `file:///srv/git/p${counter}`,
        ...(options.forkSecretPipelines ? { fork_secret_pipelines: options.forkSecretPipelines } : {}),
      },
    });
    if (created.statusCode !== 201) throw new Error(`project: ${created.statusCode} ${created.body}`);
    projectId = (created.json() as { id: string }).id;
  }
  const workflow = await createWorkflow(api.database.db, projectId, options);
  const token = mintRunToken(deriveRunTokenKey(api.config.encryptionKey), workflow.id, 3600);
  return { projectId, workflowId: workflow.id, token, headers: { authorization: `Bearer ${token}` } };
}

export async function createWorkflow(
  db: Db,
  projectId: string,
  options: { status?: string; trusted?: boolean } = {},
): Promise<{ id: string }> {
  await ensureRunCounter(db, projectId);
  const number = await takeRunNumber(db, projectId);
  if (number === null) throw new Error(`no project ${projectId}`);
  const trusted = options.trusted ?? true;
  return db.workflow.create({
    data: {
      projectId,
      number,
      event: trusted ? 'push' : 'pull_request',
      ref: trusted ? 'refs/heads/main' : 'refs/pull/7/head',
      sha: 'a'.repeat(40),
      branch: 'main',
      prNumber: trusted ? null : 7,
      baseSha: trusted ? null : 'b'.repeat(40),
      headRepoFullName: trusted ? null : 'fork/widgets',
      trusted,
      changedPaths: ['src/a.ts'],
      status: (options.status ?? 'running') as 'running',
    },
    select: { id: true },
  });
}

/** A plan of two pipelines (build: test/{unit,lint}; deploy after build: ship/helm) and one skipped pipeline. */
export const samplePlan = {
  pipelines: [
    {
      name: 'build',
      position: 0,
      dependsOn: [],
      stages: [
        {
          name: 'test',
          position: 0,
          executions: [
            { name: 'unit', position: 0, command: 'npm test' },
            { name: 'lint', position: 1, command: 'npm run lint' },
          ],
        },
      ],
    },
    {
      name: 'deploy',
      position: 1,
      dependsOn: ['build'],
      stages: [{ name: 'ship', position: 0, executions: [{ name: 'helm', position: 0, command: './deploy.sh' }] }],
    },
  ],
  skipped: [{ name: 'docs', reason: 'filter', message: 'branch main does not match docs/*' }],
};

/**
 * A plan whose executions declare secrets: build (test/unit: NPM_TOKEN; test/lint: none), deploy after build
 * (ship/helm: DEPLOY_TOKEN and KUBECONFIG), and the skipped docs pipeline.
 */
export const declaringPlan = {
  pipelines: [
    {
      name: 'build',
      position: 0,
      dependsOn: [],
      stages: [
        {
          name: 'test',
          position: 0,
          executions: [
            { name: 'unit', position: 0, command: 'npm test', secrets: ['NPM_TOKEN'] },
            { name: 'lint', position: 1, command: 'npm run lint' },
          ],
        },
      ],
    },
    {
      name: 'deploy',
      position: 1,
      dependsOn: ['build'],
      stages: [{ name: 'ship', position: 0, executions: [{ name: 'helm', position: 0, command: './deploy.sh', secrets: ['DEPLOY_TOKEN', 'KUBECONFIG'] }] }],
    },
  ],
  skipped: [{ name: 'docs', reason: 'filter', message: 'branch main does not match docs/*' }],
};

/** `declaringPlan` with other declarations: `secrets` by "pipeline/stage/execution". */
export function planDeclaring(secrets: Record<string, string[]>): typeof declaringPlan {
  const plan = structuredClone(declaringPlan);
  for (const p of plan.pipelines) {
    for (const s of p.stages) {
      for (const e of s.executions as { name: string; secrets?: string[] }[]) {
        const declared = secrets[`${p.name}/${s.name}/${e.name}`];
        if (declared) e.secrets = declared;
        else delete e.secrets;
      }
    }
  }
  return plan;
}
