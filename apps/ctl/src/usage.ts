/** The help texts of factoryctl and its usage error (kept apart from the commands: --help loads nothing else). */

/** A wrong command line: reported with the command's usage, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const USAGE = `usage: factoryctl <command> [flags]

Sign in:
  login        store the server and token to use (checks them first)
  logout       forget them
  whoami       who the token is

Runs:
  projects     list projects
  runs         list runs (workflows), newest first
  run          one run: pipelines, stages, executions, durations, why a pipeline was skipped
  logs         print a run's logs; --follow follows it live and exits with its result
  cancel       cancel a run that has not ended
  rerun        re-run a run that has ended
  approve      approve a run that awaits approval
  trigger      start a run of a project's branch or commit

Settings:
  schedules    a project's schedules: when each runs next and how its last run went
  secrets      list, set or delete a project's run secrets
  tokens       create, list or revoke your personal access tokens

Every command takes --json (the API's JSON, for scripts) and --help.
Server and token: FACTORY_SERVER and FACTORY_TOKEN, else what "factoryctl login" stored.
Exit codes: 0 ok, 1 the run failed (logs --follow), 2 usage, 3 not signed in or not allowed,
4 not found, 5 other errors (server unreachable, server error, run cancelled or in error).
See docs/ctl.md.
`;

const JSON_FLAG = '  --json             print the API\'s JSON instead of text\n  -h, --help         show this help\n';

export const LOGIN_USAGE = `usage: factoryctl login [--server <url>] [--token <token>]

Checks the server and token with a request, then stores them in
$XDG_CONFIG_HOME/factoryci/config.json (default ~/.config/factoryci/config.json, mode 0600).
What is not given is asked for (the token without echo); when standard input is not a
terminal it is read from it, one line each: the server, then the token.

  --server <url>     the API, e.g. https://ci.example.com
  --token <token>    the admin token or a personal access token (fci_…); prefer the prompt
                     or standard input: a flag is visible in ps and shell history
${JSON_FLAG}`;

export const LOGOUT_USAGE = `usage: factoryctl logout

Deletes the stored server and token. The token itself stays valid: revoke a personal
access token with "factoryctl tokens revoke <id>".

${JSON_FLAG}`;

export const WHOAMI_USAGE = `usage: factoryctl whoami

Shows the server and who its token is: the admin token, or a user (by personal access token).

${JSON_FLAG}`;

export const PROJECTS_USAGE = `usage: factoryctl projects [--owner <name>] [--limit <n>]

  --owner <name>     only this owner's projects
  --limit <n>        at most n projects (default 50, at most 200)
${JSON_FLAG}`;

export const RUNS_USAGE = `usage: factoryctl runs [--project <id|owner/name>] [--branch <name>] [--event <e>] [--status <status>] [--limit <n>]

Lists runs, newest first: of one project, or of every project.

  --project <p>      a project id, owner/name, or a name that only one owner has
  --branch <name>    only runs of this branch (a pull request's: its base branch)
  --event <e>        only runs of this event (push, pull_request, tag, manual)
  --status <s>       only runs in this status (awaiting_approval, queued, provisioning, running,
                     success, failure, cancelled, error)
  --limit <n>        at most n runs (default 20, at most 200)
${JSON_FLAG}`;

export const RUN_USAGE = `usage: factoryctl run <run id>

Shows a run: its pipelines, stages and executions with status, duration and exit code,
and why a pipeline was skipped.

${JSON_FLAG}`;

export const LOGS_USAGE = `usage: factoryctl logs <run id> [--pipeline <name>] [--execution <name>] [--follow]

Prints the logs of the run's executions, one section each. With --follow, prints every
line as it is stored (prefixed with pipeline/stage/execution), reconnecting when the
connection drops (nothing lost, nothing twice), and exits when the run ends:
0 success, 1 failure, 5 cancelled or error.

  --pipeline <name>  only this pipeline's executions
  --execution <name> only executions of this name (or stage/execution)
  -f, --follow       follow the run live
  --json             without --follow: the executions with their logs as JSON;
                     with --follow: each event of the stream as one JSON line
  -h, --help         show this help
`;

export const CANCEL_USAGE = `usage: factoryctl cancel <run id>

Cancels a run that has not ended.

${JSON_FLAG}`;

export const RERUN_USAGE = `usage: factoryctl rerun <run id> [--failed]

Starts a new run of the same commit and event as a run that has ended.

  --failed           re-run only the pipelines that failed
${JSON_FLAG}`;

export const APPROVE_USAGE = `usage: factoryctl approve <run id>

Approves a run that awaits approval (an untrusted pull request's), which queues it.

${JSON_FLAG}`;

export const TRIGGER_USAGE = `usage: factoryctl trigger --project <id|owner/name> [--branch <name>] [--sha <commit>] [--input KEY=VALUE]...

Starts a run by hand (event manual) on a branch, at a commit of it.

  --project <p>      the project
  --branch <name>    the branch (default: the project's default branch)
  --sha <commit>     the commit, 40 hex digits (default: the branch's head)
  --input KEY=VALUE  an input of the run; repeat for each
${JSON_FLAG}`;

export const SECRETS_USAGE = `usage: factoryctl secrets <list|set|delete> --project <id|owner/name> [NAME]

  secrets list --project <p>          the names of the project's run secrets (never values)
  secrets set NAME --project <p>      set a secret; the value is read from standard input when
                                      it is not a terminal, else asked for without echo
  secrets delete NAME --project <p>   delete a secret
${JSON_FLAG}`;

export const TOKENS_USAGE = `usage: factoryctl tokens <create|list|revoke>

  tokens create --name <name> [--expires-in-days <1-365>]   a new personal access token (shown once)
  tokens list                                               your tokens (never their values)
  tokens revoke <id>                                        revoke one
${JSON_FLAG}`;

export const SCHEDULES_USAGE = `usage: factoryctl schedules --project <id|owner/name>

  The project's schedules (\`schedule\` blocks of its default branch's .factory): cron, time zone,
  branch, when each runs next (UTC) and its last run, or why its last due time started none.
${JSON_FLAG}`;
