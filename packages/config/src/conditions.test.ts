import { describe, expect, it } from 'vitest';
import { ConfigError, formatDiagnostic, loadConfigFromFiles, planToJson, planWorkflow } from './index.js';

const load = (content: string) => loadConfigFromFiles([{ path: '.factory/a.hcl', content }]);

async function errorsOf(content: string): Promise<string[]> {
  const error = await load(content).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).diagnostics.map(formatDiagnostic);
}

const VALID = `
pipeline "build" {
  stage "test" {
    execution "unit" {
      command       = "npm test"
      retry         = 2
      retry_on      = ["exit_code", "timeout"]
    }
    execution "flaky-lint" {
      command       = "npm run lint"
      allow_failure = true
    }
  }
  stage "cleanup" {
    when = "always"
    execution "rm" {
      command = "rm -rf tmp"
      retry   = 1
    }
  }
}

pipeline "notify" {
  depends_on = ["build"]
  when       = "on_failure"
  stage "tell" {
    execution "mail" { command = "echo failed" }
  }
}
`;

describe('when, allow_failure and retry', () => {
  it('are read into the model; retry without retry_on retries every kind of failure', async () => {
    const config = await load(VALID);
    const [build, notify] = config.pipelines;
    expect(build?.when).toBeUndefined();
    expect(notify?.when).toBe('on_failure');
    expect(build?.stages.map((s) => s.when)).toEqual([undefined, 'always']);
    const [unit, lint] = build?.stages[0]?.executions ?? [];
    expect(unit).toMatchObject({ retry: { max: 2, on: ['exit_code', 'timeout'] } });
    expect(unit?.allowFailure).toBeUndefined();
    expect(lint).toMatchObject({ allowFailure: true });
    expect(lint?.retry).toBeUndefined();
    expect(build?.stages[1]?.executions[0]?.retry).toEqual({ max: 1, on: ['exit_code', 'timeout', 'agent_error'] });
  });

  it('are in the plan JSON (new keys of version 1, with their defaults)', async () => {
    const json = planToJson(planWorkflow(await load(VALID), { event: 'push', branch: 'main' }));
    expect(json.version).toBe(1);
    const [build, notify] = json.pipelines;
    expect([build?.when, notify?.when]).toEqual(['on_success', 'on_failure']);
    expect(build?.stages.map((s) => s.when)).toEqual(['on_success', 'always']);
    expect(build?.stages[0]?.executions.map((e) => [e.allowFailure, e.retry])).toEqual([
      [false, { max: 2, on: ['exit_code', 'timeout'] }],
      [true, null],
    ]);
  });

  it('reports bad values at the value, with a did-you-mean for when', async () => {
    const errors = await errorsOf(`
pipeline "a" {
  when = "on_succes"
  stage "s" {
    execution "e" {
      command       = "true"
      allow_failure = "yes"
      retry         = -1
    }
    execution "f" {
      command  = "true"
      retry    = 6
      retry_on = ["exit-code", "timeout", "timeout"]
    }
    execution "g" {
      command  = "true"
      retry    = 1.5
      retry_on = []
    }
    execution "h" {
      command  = "true"
      retry_on = ["timeout"]
    }
  }
  stage "t" {
    when = always
    execution "e" { command = "true" }
  }
}
`);
    expect(errors).toEqual([
      '.factory/a.hcl:3:10: unknown when "on_succes"; when is one of "on_success", "on_failure", "always"; did you mean "on_success"?',
      '.factory/a.hcl:7:23: allow_failure must be a bool (true or false), not the string "yes" (write true or false without quotes)',
      '.factory/a.hcl:8:23: retry -1 is out of range: a whole number from 0 to 5 (the further attempts after the first)',
      '.factory/a.hcl:12:18: retry 6 is out of range: a whole number from 0 to 5 (the further attempts after the first)',
      '.factory/a.hcl:13:19: unknown retry_on "exit-code"; retry_on lists "exit_code", "timeout", "agent_error"; did you mean "exit_code"?',
      '.factory/a.hcl:13:43: retry_on lists "timeout" twice',
      '.factory/a.hcl:17:18: retry 1.5 is out of range: a whole number from 0 to 5 (the further attempts after the first)',
      '.factory/a.hcl:18:18: retry_on must not be empty (leave it out to retry on every kind of failure)',
      '.factory/a.hcl:22:7: retry_on needs retry: add retry = 1 (the number of further attempts)',
      '.factory/a.hcl:26:12: when must be a string; expressions such as "always" are not evaluated (use a quoted literal)',
    ]);
  });

  it('reports a when = "on_failure" that can never hold', async () => {
    const errors = await errorsOf(`
pipeline "a" {
  when = "on_failure"
  stage "s" {
    when = "on_failure"
    execution "e" { command = "true" }
  }
}
`);
    expect(errors).toEqual([
      '.factory/a.hcl:3:10: when = "on_failure" never holds here: the pipeline has no depends_on',
      '.factory/a.hcl:5:12: when = "on_failure" never holds here: it is the first stage of its pipeline',
    ]);
  });
});
