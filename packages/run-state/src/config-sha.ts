/** The fields of a workflow that decide which commit its `.factory/` configuration is read from. */
export interface ConfigShaSource {
  trusted: boolean;
  sha: string;
  baseSha: string | null;
}

/**
 * The commit `.factory/` is read from: the base commit for an untrusted pull request (a fork cannot change the
 * configuration it runs under), otherwise the run's own sha. An untrusted run without a base commit uses its sha.
 */
export function configSha(workflow: ConfigShaSource): string {
  return !workflow.trusted && workflow.baseSha ? workflow.baseSha : workflow.sha;
}
