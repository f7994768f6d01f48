import type { ApiClient } from './api-client.js';
import type { Project } from './api-types.js';
import { isUuid } from './cli-args.js';
import { NothingFoundError } from './errors.js';
import { UsageError } from './usage.js';

/** The projects `--project <ref>` can mean: by id, by `owner/name`, or by a name only one owner has. Pure. */
export function matchProjects(projects: readonly Project[], ref: string): Project[] {
  const slash = ref.indexOf('/');
  if (slash !== -1) {
    const owner = ref.slice(0, slash);
    const name = ref.slice(slash + 1);
    return projects.filter((p) => p.owner.name === owner && p.project === name);
  }
  return projects.filter((p) => p.id === ref || p.project === ref);
}

/** The one project a reference names, from the matches; errors say what to type instead. Pure. */
export function chooseProject(matches: readonly Project[], ref: string): Project {
  if (matches.length === 1) return matches[0]!;
  if (matches.length === 0) throw new NothingFoundError(`no project "${ref}" ("factoryctl projects" lists them)`);
  throw new UsageError(`"${ref}" names ${matches.length} projects: give owner/name (${matches.map((p) => `${p.owner.name}/${p.project}`).join(', ')})`);
}

const PAGE = 200;
/** At most this many pages of projects are read to find one by name. */
const MAX_PAGES = 50;

/** Every project (`owner`: of one owner), page by page. */
export async function listAllProjects(api: ApiClient, owner?: string): Promise<Project[]> {
  const all: Project[] = [];
  for (let page = 0; page < MAX_PAGES; page++) {
    const batch = await api.json<Project[]>('GET', '/projects', { query: { owner, limit: PAGE, offset: page * PAGE } });
    all.push(...batch);
    if (batch.length < PAGE) break;
  }
  return all;
}

/** The id of the project `ref` names: a UUID as it is, a name looked up. */
export async function resolveProjectId(api: ApiClient, ref: string): Promise<string> {
  if (isUuid(ref)) return ref.toLowerCase();
  const slash = ref.indexOf('/');
  const projects = await listAllProjects(api, slash === -1 ? undefined : ref.slice(0, slash));
  return chooseProject(matchProjects(projects, ref), ref).id;
}
