/** Names for the API's shapes, taken from the generated schema.d.ts (never declared again by hand). */
import type { RunNodeStatus } from '@factoryci/run-state';
import type { components, paths } from './schema';

type JsonOf<R> = R extends { content: { 'application/json': infer B } } ? B : never;
/** The JSON body of a route's success answer (200 or 201). */
export type Answer<P extends keyof paths, M extends 'get' | 'post' | 'put' | 'delete'> = paths[P][M] extends { responses: infer R }
  ? JsonOf<R extends { 200: infer A } ? A : R extends { 201: infer A } ? A : never>
  : never;

export type Me = Answer<'/me', 'get'>;
export type Project = components['schemas']['Project'];
export type Workflow = components['schemas']['Workflow'];
export type WorkflowDetail = Answer<'/workflow', 'get'>;
export type Pipeline = WorkflowDetail['pipelines'][number];
export type Stage = Pipeline['stages'][number];
export type Execution = Stage['executions'][number];
export type Status = Workflow['status'];
/** A `status` event of GET /workflow/events (and each node of its `snapshot`): @factoryci/run-state's, as docs/web.md says. */
export type StatusEvent = RunNodeStatus;
export type ProjectPermissions = Answer<'/project/permissions', 'get'>;
