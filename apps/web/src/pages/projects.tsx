/** The projects the signed-in person may read, each with its latest run: a table on wide screens, stacked on narrow. */
import { api, ok } from '../api/client';
import type { Answer, Me } from '../api/types';
import { Failure, useLoad } from '../components/load';
import { StatusBadge } from '../components/status';
import { Age } from '../components/time';
import { useTitle } from '../components/title';
import { paths } from '../app';
import { runTarget } from '../runs/run-list';
import { useSession } from '../session';
import '../styles/runs.css';

type ListedProject = Answer<'/projects', 'get'>[number];

const isAdministrator = (me: Me | null | undefined): boolean => me?.kind === 'admin' || me?.user?.admin === true;

function NoProjects({ me }: { me: Me | null | undefined }) {
  if (isAdministrator(me)) {
    return (
      <div class="card empty-state">
        <h2>No projects yet</h2>
        <p>
          Add one through the API: <code>POST /project</code> with <code>{'{"owner": "acme", "project": "widgets", "url": "https://github.com/acme/widgets"}'}</code> and
          an administrator's credentials (see <code>docs/api.md</code>, "Management routes"). Its runs appear here once a push or a pull request arrives, or someone runs a branch by hand.
        </p>
      </div>
    );
  }
  return (
    <div class="card empty-state">
      <h2>No projects to show</h2>
      <p>You are not a member of any project yet. Ask an administrator of FactoryCI (or of a project) to add you.</p>
    </div>
  );
}

function LatestRun({ project }: { project: ListedProject }) {
  const run = project.latest_workflow;
  if (!run) return <span class="muted">No runs yet</span>;
  return (
    <a class="latest-run" href={paths.run(run.id)} aria-label={`Run ${run.number} of ${project.owner.name}/${project.project}: ${run.status.replace(/_/g, ' ')}`}>
      <StatusBadge status={run.status} /> <span class="mono">#{run.number}</span>
    </a>
  );
}

export function ProjectsPage() {
  useTitle('Projects');
  const { me } = useSession();
  const projects = useLoad(() => ok(api.GET('/projects', { params: { query: { limit: 200 } } })), []);
  const list = projects.value;
  return (
    <section class="page-pad">
      <h1>Projects</h1>
      {projects.error && <Failure error={projects.error} what="projects" />}
      {!list && !projects.error && (
        <p class="muted" aria-busy="true">
          Loading projects…
        </p>
      )}
      {list?.length === 0 && <NoProjects me={me} />}
      {list && list.length > 0 && (
        <table class="table projects-table">
          <thead>
            <tr>
              <th scope="col">Project</th>
              <th scope="col">Latest run</th>
              <th scope="col">Branch</th>
              <th scope="col">When</th>
            </tr>
          </thead>
          <tbody>
            {list.map((project) => (
              <tr key={project.id}>
                <td data-label="Project">
                  <a class="project-name" href={paths.project(project.id)}>
                    <span class="muted">{project.owner.name}/</span>
                    {project.project}
                  </a>
                </td>
                <td data-label="Latest run">
                  <LatestRun project={project} />
                </td>
                <td data-label="Branch">{project.latest_workflow ? <span class="mono">{runTarget(project.latest_workflow)}</span> : <span class="muted">—</span>}</td>
                <td data-label="When">
                  <Age at={project.latest_workflow?.created_at} />
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
