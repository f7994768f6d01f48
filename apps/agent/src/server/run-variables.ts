import type { RunInfo } from '@factoryci/agent-protocol';

/**
 * The variables of a server run that describe its workflow, given to every execution beside the CI variables
 * (execution-env.ts; docs/factory-hcl.md#variables). A variable whose value is unknown for the run is not set (a
 * pull request's variables on a push, a commit message a manual trigger does not know). Pure.
 */
export function runVariables(info: Pick<RunInfo, 'workflow' | 'project'>): Record<string, string> {
  const { workflow, project } = info;
  const vars: Record<string, string> = {
    FACTORY_RUN_ID: workflow.id,
    FACTORY_RUN_NUMBER: String(workflow.number),
    FACTORY_SHA: workflow.sha,
    FACTORY_REF: workflow.ref,
    FACTORY_PROJECT: `${project.owner}/${project.name}`,
    FACTORY_REPOSITORY: project.repository ?? `${project.owner}/${project.name}`,
    FACTORY_TRUSTED: workflow.trusted ? 'true' : 'false',
  };
  if (workflow.event === 'pull_request') {
    if (workflow.prNumber !== null) vars.FACTORY_PR_NUMBER = String(workflow.prNumber);
    if (workflow.branch !== null) vars.FACTORY_BASE_BRANCH = workflow.branch;
    if (workflow.baseSha !== null) vars.FACTORY_BASE_SHA = workflow.baseSha;
    if (workflow.headRepoFullName !== null) vars.FACTORY_HEAD_REPOSITORY = workflow.headRepoFullName;
  }
  if (workflow.commitMessage !== null) vars.FACTORY_COMMIT_MESSAGE = workflow.commitMessage;
  if (workflow.commitAuthor !== null) vars.FACTORY_COMMIT_AUTHOR = workflow.commitAuthor;
  if (workflow.event === 'schedule' && typeof workflow.schedule === 'string') vars.FACTORY_SCHEDULE = workflow.schedule;
  return vars;
}
