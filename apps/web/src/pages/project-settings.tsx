/**
 * A project's settings (/projects/:id/settings), for its admins: the webhook, forks, limits, run secrets, members and
 * deleting it. Everyone else sees who may change them, and no forms.
 */
import { useRoute } from 'preact-iso';
import { api, ok } from '../api/client';
import { paths } from '../app';
import { Failure, useLoad } from '../components/load';
import { useTitle } from '../components/title';
import { DangerZone } from './settings/danger-zone';
import { FORK_POLICIES, ForksSection } from './settings/forks-section';
import { logCapText } from './settings/rules';
import { LimitsSection } from './settings/limits-section';
import { MembersSection } from './settings/members-section';
import { SecretsSection } from './settings/secrets-section';
import type { Permissions, Project, ProjectAction } from './settings/types';
import { WebhookSection } from './settings/webhook-section';
import '../styles/settings.css';

const SECTIONS: { id: string; title: string; needs: ProjectAction }[] = [
  { id: 'webhook', title: 'Webhook', needs: 'configure' },
  { id: 'forks', title: 'Forks', needs: 'configure' },
  { id: 'limits', title: 'Branch and limits', needs: 'configure' },
  { id: 'secrets', title: 'Run secrets', needs: 'manage_secrets' },
  { id: 'members', title: 'Members', needs: 'manage_members' },
  { id: 'danger', title: 'Delete', needs: 'delete' },
];

async function loadSettings(id: string): Promise<{ project: Project; permissions: Permissions }> {
  const [project, permissions] = await Promise.all([ok(api.GET('/project', { params: { query: { id } } })), ok(api.GET('/project/permissions', { params: { query: { id } } }))]);
  return { project, permissions };
}

/** The settings as they are, for those who may not change them. */
function SettingsSummary({ project }: { project: Project }) {
  const policy = FORK_POLICIES.find((p) => p.value === project.fork_policy);
  const pipelines = project.fork_secret_pipelines ?? [];
  return (
    <dl class="settings-summary">
      <dt>Pull requests from forks</dt>
      <dd>
        {policy?.label}: {policy?.sentence}
        {pipelines.length > 0 && <> Pipelines that may get secrets: {pipelines.join(', ')}.</>}
      </dd>
      <dt>Default branch</dt>
      <dd>
        <code>{project.default_branch}</code>
      </dd>
      <dt>Limits of a run</dt>
      <dd>
        {project.max_cpu} CPU, {project.max_memory} memory; {project.max_concurrent_runs} at once; logs up to{' '}
        {project.log_cap_bytes === null || project.log_cap_bytes === undefined ? "the server's cap" : `${logCapText(project.log_cap_bytes)} MiB`} per execution
      </dd>
    </dl>
  );
}

function NotAnAdmin({ project, permissions }: { project: Project; permissions: Permissions }) {
  return (
    <div class="card stack not-admin" role="note">
      <p>
        <strong>Only admins of this project can change its settings.</strong> Your role on it is <strong>{permissions.role}</strong>: ask one of its admins (or a
        FactoryCI administrator) if something here should change.
      </p>
      <SettingsSummary project={project} />
      <p>
        <a href={paths.project(project.id)}>Back to the runs of {project.project}</a>
      </p>
    </div>
  );
}

export function ProjectSettingsPage() {
  const { params } = useRoute();
  const id = params.id ?? '';
  const settings = useLoad(() => loadSettings(id), [id]);
  const project = settings.value?.project;
  useTitle(project ? `Settings · ${project.owner.name}/${project.project}` : 'Settings');

  const onSaved = (saved: Project) => settings.value && settings.set({ ...settings.value, project: saved });
  const allowed = (action: ProjectAction) => settings.value?.permissions.actions.includes(action) ?? false;
  const shown = SECTIONS.filter((section) => allowed(section.needs));

  return (
    <section class="page-pad settings-page">
      <nav aria-label="Breadcrumb" class="crumbs">
        <a href={paths.projects()}>Projects</a>
        {project && (
          <>
            {' / '}
            <a href={paths.project(project.id)}>
              {project.owner.name}/{project.project}
            </a>
          </>
        )}
      </nav>
      <h1>{project ? `Settings of ${project.owner.name}/${project.project}` : 'Project settings'}</h1>
      {settings.error && <Failure error={settings.error} what="project" />}
      {!settings.value && !settings.error && (
        <p class="muted" aria-busy="true">
          Loading settings…
        </p>
      )}
      {project && settings.value && (
        <>
          <p class="muted repo-line">
            Clones <code class="break">{project.url}</code>
          </p>
          {!allowed('configure') ? (
            <NotAnAdmin project={project} permissions={settings.value.permissions} />
          ) : (
            <div class="settings-layout">
              <nav aria-label="Settings sections" class="settings-nav">
                <ul>
                  {shown.map((section) => (
                    <li key={section.id}>
                      <a href={`#${section.id}`}>{section.title}</a>
                    </li>
                  ))}
                </ul>
              </nav>
              <div class="settings-sections">
                <WebhookSection project={project} />
                <ForksSection key={`forks-${project.id}`} project={project} onSaved={onSaved} />
                <LimitsSection key={`limits-${project.id}`} project={project} onSaved={onSaved} />
                {allowed('manage_secrets') && <SecretsSection project={project} />}
                {allowed('manage_members') && <MembersSection project={project} />}
                {allowed('delete') && <DangerZone project={project} />}
              </div>
            </div>
          )}
        </>
      )}
    </section>
  );
}
