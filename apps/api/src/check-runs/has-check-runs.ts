/**
 * Whether a project's workflows get GitHub check runs: the App is configured and the project is a GitHub repository
 * the App is installed on. syncCheckRun skips every other workflow, so the intake does not ask for their sync.
 */
export interface CheckRunProject {
  githubFullName: string | null;
  installationId: bigint | number | null;
}

export function hasCheckRuns(project: CheckRunProject, appConfigured: boolean): boolean {
  return appConfigured && project.githubFullName !== null && project.githubFullName !== '' && project.installationId !== null;
}
