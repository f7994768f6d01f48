/** The API shapes the settings page uses, named from the generated schema (never declared by hand). */
import type { Answer } from '../../api/types';

export type { Project } from '../../api/types';
export type Permissions = Answer<'/project/permissions', 'get'>;
export type ProjectAction = Permissions['actions'][number];
export type Webhook = Answer<'/project/webhook', 'get'>;
export type ProjectUpdated = Answer<'/project', 'put'>;
export type RunSecret = Answer<'/project/secrets', 'get'>[number];
export type Member = Answer<'/project/members', 'get'>['members'][number];
export type Role = Member['role'];
