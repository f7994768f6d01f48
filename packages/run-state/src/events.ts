/**
 * The events a workflow can be started by. Here, beside the statuses, so that the API and the agent protocol know
 * them without depending on the `.factory` language (`@factoryci/config`, which re-exports them). `manual`: started
 * by hand (POST /workflow/trigger), like GitHub's workflow_dispatch; `schedule`: started by the clock, by a `schedule`
 * block of the default branch's configuration.
 */
export const EVENT_NAMES = ['push', 'pull_request', 'tag', 'manual', 'schedule'] as const;
export type EventName = (typeof EVENT_NAMES)[number];
