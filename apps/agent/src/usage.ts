/** The help texts of the CLI and its usage error (kept apart from the commands: --help and usage errors load nothing heavy). */

/** A wrong command line: reported with the command's usage, exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const USAGE = `usage: factory-agent <command> [flags]

Commands:
  validate   check the .factory configuration
  plan       show which pipelines an event runs
  run        run them on a local checkout (or, in a runner, a run of the API: see run --help)

Run "factory-agent <command> --help" for the flags of a command. See docs/agent.md.
`;

export const VALIDATE_USAGE = `usage: factory-agent validate [--dir .factory]

Checks every .factory/*.hcl file. Prints a one-line summary and exits 0, or prints every
error as file:line:col: message to stderr and exits 2.

  --dir <path>   the configuration directory (default: .factory)
  -h, --help     show this help
`;


export const PLAN_USAGE = `usage: factory-agent plan --event <push|pull_request|tag|manual> (--branch <name> | --tag <name>)
                          [--changed <path>]... [--dir .factory] [--json]

Shows which pipelines the event runs, in which order, with their stages and executions,
and for each skipped pipeline the filter that skipped it.

  --event <name>     push, pull_request or tag
  --branch <name>    the branch pushed to, or the pull request's target branch (push, pull_request)
  --tag <name>       the tag name (tag)
  --changed <path>   a changed path, relative to the repository root; repeat for each.
                     Without any, changed paths are unknown and "paths" filters hold.
  --dir <path>       the configuration directory (default: .factory)
  --json             print the plan as JSON (see docs/factory-hcl.md, "Plan JSON")
  -h, --help         show this help
`;


export const RUN_USAGE = `usage: factory-agent run --event <push|pull_request|tag|manual> (--branch <name> | --tag <name>)
                         [--changed <path>]... [--workdir .] [--dir <workdir>/.factory]
                         [--secret NAME=value | --secret NAME]... [--json]

Runs the pipelines the event selects on the checkout in --workdir, with no server.
Output is streamed live, prefixed with pipeline/stage/execution; secret values are masked.
Exit code: 0 success, 1 an execution failed, 2 configuration or usage error, 130 cancelled.

  --event, --branch, --tag, --changed   as for "factory-agent plan"
  --workdir <path>      the checkout the commands run in (default: .)
  --dir <path>          the configuration directory (default: <workdir>/.factory)
  --secret NAME=value   provide a secret; --secret NAME takes the value from this environment
  --json                print a JSON result document on stdout instead of the summary table
                        (the live log then goes to stderr)
  -h, --help            show this help

Server mode (inside a runner; also when FACTORY_RUN_TOKEN is set and --event is not given):
factory-agent run [--server <url>] [--token <token>] [--consul <url>] [--workdir .] [--clone-depth 1]

Gets its run from the API, clones it into --workdir, runs it and reports everything to the API.
  --server <url>        the API (default: FACTORY_API_URL)
  --token <token>       the run token (default: FACTORY_RUN_TOKEN, preferred: not visible in ps)
  --consul <url>        Consul (default: FACTORY_CONSUL_URL): finds the API as service factory-api
                        when no API URL is given, and registers this agent as factory-agent
  --clone-depth <n>     history depth of the checkout; 0 = all (default: 1)
With FACTORY_AGENT_CLAIM=stdin (a warm agent of the local runner's pool) it loads what a run needs, then reads
its run id and token as one line {"runId","token"} from stdin; it exits 75 when stdin ends without one.
`;
