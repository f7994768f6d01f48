/** The projects the signed-in person may read. */
import { api, ok } from '../api/client';
import { Failure, useLoad } from '../components/load';
import { useTitle } from '../components/title';
import { paths } from '../app';

export function ProjectsPage() {
  useTitle('Projects');
  const projects = useLoad(() => ok(api.GET('/projects', { params: { query: { limit: 200 } } })), []);
  return (
    <section class="page-pad">
      <h1>Projects</h1>
      {projects.error && <Failure error={projects.error} what="projects" />}
      {projects.value?.length === 0 && <p class="empty">No projects yet.</p>}
      <ul class="list">
        {projects.value?.map((project) => (
          <li key={project.id}>
            <a href={paths.project(project.id)}>
              {project.owner}/{project.project}
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}
