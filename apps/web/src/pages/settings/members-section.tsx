/** Who has which role on the project: listed, added by login, changed, removed (after a confirmation). */
import { useState } from 'preact/hooks';
import { api, ok } from '../../api/client';
import { useLoad } from '../../components/load';
import { Age } from '../../components/time';
import { describedBy, Field, SaveRow } from './field';
import { RemoveButton, SettingsTable } from './settings-table';
import type { Member, Project, Role } from './types';
import { useConfirmedRemoval } from './use-confirmed-removal';
import { useSave } from './use-save';

export const ROLES: { value: Role; label: string; sentence: string }[] = [
  { value: 'read', label: 'Read', sentence: 'sees the project, its runs and logs' },
  { value: 'write', label: 'Write', sentence: 'also cancels, re-runs, approves and starts runs' },
  { value: 'admin', label: 'Admin', sentence: 'also changes these settings, secrets and members' },
];

const FIELDS = ['user_login', 'role'] as const;

function RoleSelect({ id, value, onChange, label, describedby }: { id: string; value: Role; onChange(role: Role): void; label?: string; describedby?: string }) {
  return (
    <select id={id} value={value} onChange={(e) => onChange(e.currentTarget.value as Role)} aria-label={label} aria-describedby={describedby}>
      {ROLES.map((role) => (
        <option key={role.value} value={role.value}>
          {role.label}
        </option>
      ))}
    </select>
  );
}

export function MembersSection({ project }: { project: Project }) {
  const members = useLoad(() => ok(api.GET('/project/members', { params: { query: { id: project.id } } })).then((answer) => answer.members), [project.id]);
  const [login, setLogin] = useState('');
  const [role, setRole] = useState<Role>('read');
  const add = useSave(FIELDS);
  const change = useSave([] as const);
  const removal = useConfirmedRemoval(change, members.reload);

  const submit = async (event: Event) => {
    event.preventDefault();
    const who = login.trim();
    if (!who) return add.refuse('user_login', 'the login of a FactoryCI user');
    const saved = await add.run(async () => {
      const member = await ok(api.PUT('/project/member', { params: { query: { id: project.id } }, body: { user_login: who, role } }));
      await members.reload();
      return `${member.user_login} is ${member.role === 'admin' ? 'an admin' : `a ${member.role} member`}.`;
    });
    if (saved) setLogin('');
  };

  const setRoleOf = (member: Member, next: Role) =>
    change.run(async () => {
      await ok(api.PUT('/project/member', { params: { query: { id: project.id } }, body: { user_login: member.user_login, role: next } }));
      await members.reload();
      return `${member.user_login}'s role is now ${next}.`;
    });

  const remove = (member: Member) =>
    removal.remove(
      {
        title: `Remove ${member.user_login}?`,
        body: `${member.user_login} loses the ${member.role} role this membership gives (a role from the owner or from GitHub stays).`,
        confirm: 'Remove member',
      },
      () => ok(api.DELETE('/project/member', { params: { query: { id: project.id, user_login: member.user_login } } })),
      `${member.user_login} removed.`,
    );

  return (
    <section class="card settings-section" id="members" aria-labelledby="members-title">
      <h2 id="members-title">Members</h2>
      <p class="muted">
        {ROLES.map((r, i) => (
          <span key={r.value}>
            <strong>{r.label}</strong> {r.sentence}
            {i < ROLES.length - 1 ? '; ' : '. '}
          </span>
        ))}
        {project.github_full_name && <>People also have the role GitHub gives them on {project.github_full_name}: the higher one counts.</>}
      </p>
      <SettingsTable
        list={members}
        what="members"
        empty="No members yet. Add someone by their FactoryCI login below."
        columns={[{ label: 'Login' }, { label: 'Role' }, { label: 'Since', wideOnly: true }]}
        actions={change}
        row={(member) => (
          <tr key={member.user_id}>
            <td>
              <strong>{member.user_login}</strong>
              {member.name && <div class="muted">{member.name}</div>}
            </td>
            <td>
              <RoleSelect id={`role-${member.user_id}`} value={member.role} onChange={(next) => void setRoleOf(member, next)} label={`Role of ${member.user_login}`} />
            </td>
            <td class="wide-only">
              <Age at={member.created_at} />
            </td>
            <td class="actions">
              <RemoveButton label={`Remove ${member.user_login}`} onClick={() => void remove(member)}>
                Remove
              </RemoveButton>
            </td>
          </tr>
        )}
      />
      <form class="settings-grid" onSubmit={submit} noValidate aria-labelledby="member-form-title">
        <h3 id="member-form-title" class="full">
          Add a member
        </h3>
        <Field id="member-login" label="Login" hint="A FactoryCI user's login." error={add.errorOf('user_login')}>
          <input
            id="member-login"
            value={login}
            onInput={(e) => setLogin(e.currentTarget.value)}
            autocomplete="off"
            spellcheck={false}
            aria-describedby={describedBy('member-login', add.errorOf('user_login'))}
          />
        </Field>
        <Field id="member-role" label="Role" hint={ROLES.find((r) => r.value === role)?.sentence} error={add.errorOf('role')}>
          <RoleSelect id="member-role" value={role} onChange={setRole} describedby={describedBy('member-role', add.errorOf('role'))} />
        </Field>
        <SaveRow state={add} label="Add member" />
      </form>
      {removal.dialog}
    </section>
  );
}
