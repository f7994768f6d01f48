import type { ConfigFile } from '@factoryci/config';
import { readFactoryFiles } from '@factoryci/git-objects';
import { asGitError, type ObjectReader } from './git-objects.js';

/**
 * The `.factory/*.hcl` files of a commit, read from git's object store (not the work tree): for an untrusted pull
 * request this is the base commit, so the pull request's own `.factory/` never runs. Which files and how much of them
 * is the shared reading (`readFactoryFiles` of @factoryci/git-objects, the orchestrator's too): regular files directly
 * under `.factory/`, all read when they fit the configuration limits, else all passed by their sizes and refused by
 * loadConfigFromFiles (docs/factory-hcl.md, "Limits"). A commit without `.factory/` has none; a commit not in the
 * repository, or git answering what is no object, is a GitError of `cat-file` (what the run reports as a failed read).
 */
export async function readConfigFiles(commit: string, objects: ObjectReader): Promise<ConfigFile[]> {
  try {
    return await readFactoryFiles(commit, objects);
  } catch (error) {
    throw asGitError(error);
  }
}
