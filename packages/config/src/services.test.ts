import { describe, expect, it } from 'vitest';
import { ConfigError, formatDiagnostic, loadConfigFromFiles, planToJson, planWorkflow } from './index.js';
import { MAX_SERVICES, portProblem, serviceNameProblem } from './services.js';

const PIPELINE = 'pipeline "p" {\n  stage "s" {\n    execution "e" {\n      command = "true"\n    }\n  }\n}\n';

async function errorsOf(runner: string): Promise<string[]> {
  const error = await loadConfigFromFiles([{ path: 'r.hcl', content: runner }, { path: 's.hcl', content: PIPELINE }]).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).diagnostics.map(formatDiagnostic);
}

describe('service blocks', () => {
  it('are read into the runner, in order, with env converted to strings', async () => {
    const config = await loadConfigFromFiles([
      {
        path: 'r.hcl',
        content:
          'runner {\n  image = "node:20"\n  service "db" {\n    image = "mariadb:11"\n    env   = { MARIADB_ROOT_PASSWORD = "test", PORT = 3306 }\n    ports = [3306]\n  }\n  service "cache" {\n    image = "redis:7"\n  }\n}\n',
      },
      { path: 's.hcl', content: PIPELINE },
    ]);
    expect(config.runner?.services).toEqual([
      { name: 'db', image: 'mariadb:11', env: { MARIADB_ROOT_PASSWORD: 'test', PORT: '3306' }, ports: [3306], location: { file: 'r.hcl', line: 3, column: 3 } },
      { name: 'cache', image: 'redis:7', env: {}, ports: [], location: { file: 'r.hcl', line: 8, column: 3 } },
    ]);
    expect(planToJson(planWorkflow(config, { event: 'push', branch: 'main' })).runner).toEqual({
      image: 'node:20',
      cpu: null,
      memory: null,
      services: [
        { name: 'db', location: 'r.hcl:3:3', image: 'mariadb:11', env: { MARIADB_ROOT_PASSWORD: 'test', PORT: '3306' }, ports: [3306] },
        { name: 'cache', location: 'r.hcl:8:3', image: 'redis:7', env: {}, ports: [] },
      ],
    });
  });

  it('a runner without services has none (and an empty list in the plan JSON)', async () => {
    const config = await loadConfigFromFiles([{ path: 'r.hcl', content: 'runner {\n  image = "node:20"\n}\n' }, { path: 's.hcl', content: PIPELINE }]);
    expect(config.runner?.services).toBeUndefined();
    expect(planToJson(planWorkflow(config, { event: 'push', branch: 'main' })).runner?.services).toEqual([]);
  });

  it('reports a service without image at its keyword, and an empty image at the value', async () => {
    expect(await errorsOf('runner {\n  service "db" {\n    ports = [3306]\n  }\n  service "c" {\n    image = " "\n  }\n}\n')).toEqual([
      'r.hcl:2:3: service "db" has no image: add image = "..."',
      'r.hcl:6:13: image must not be empty',
    ]);
  });

  it('reports bad ports at the element, and ports that are not a list at the value', async () => {
    expect(await errorsOf('runner {\n  service "db" {\n    image = "m"\n    ports = [0, 65536, "80", 1.5, 3306]\n  }\n  service "c" {\n    image = "r"\n    ports = 6379\n  }\n}\n')).toEqual([
      'r.hcl:4:14: a port is a whole number from 1 to 65535, not 0',
      'r.hcl:4:17: a port is a whole number from 1 to 65535, not 65536',
      'r.hcl:4:24: a port is a whole number from 1 to 65535, written without quotes',
      'r.hcl:4:30: a port is a whole number from 1 to 65535, not 1.5',
      'r.hcl:8:13: ports must be a list of port numbers, e.g. [3306]',
    ]);
  });

  it('reports a duplicate service name and a port used twice, naming the first', async () => {
    expect(
      await errorsOf('runner {\n  service "db" {\n    image = "m"\n    ports = [3306, 3306]\n  }\n  service "db" {\n    image = "m"\n  }\n  service "c" {\n    image = "r"\n    ports = [3306]\n  }\n}\n'),
    ).toEqual([
      'r.hcl:4:20: port 3306 is already used by service "db" at r.hcl:4:14: the services of a run share one network',
      'r.hcl:6:11: duplicate service "db"; first defined at r.hcl:2:11',
      'r.hcl:11:14: port 3306 is already used by service "db" at r.hcl:4:14: the services of a run share one network',
    ]);
  });

  it('reports env names that are not variable names, bad service names and unknown attributes; a missing label', async () => {
    expect(await errorsOf('runner {\n  service "DB_1" {\n    image = "m"\n    env = { "1X" = "a" }\n    port = [1]\n  }\n}\n')).toEqual([
      'r.hcl:2:11: invalid service name "DB_1": use lower-case letters, digits and "-" (not at the start or end), e.g. "db"',
      expect.stringMatching(/^r\.hcl:4:13: .*"1X"/),
      'r.hcl:5:5: unknown attribute "port" in service "DB_1"; did you mean "ports"?',
    ]);
    expect(await errorsOf('runner {\n  service {\n    image = "m"\n  }\n}\n')).toEqual([
      'r.hcl:2:3: a service block takes exactly one label, its name: write service "db" { image = "mariadb:11" }',
    ]);
  });

  it(`reports the service beyond ${MAX_SERVICES} at its keyword`, async () => {
    const services = Array.from({ length: MAX_SERVICES + 2 }, (_, i) => `  service "s${i}" {\n    image = "m"\n  }\n`).join('');
    expect(await errorsOf(`runner {\n${services}}\n`)).toEqual([`r.hcl:${2 + 3 * MAX_SERVICES}:3: too many services: a runner has at most ${MAX_SERVICES}`]);
  });
});

describe('serviceNameProblem and portProblem', () => {
  it.each([
    ['db', false],
    ['my-db2', false],
    ['a'.repeat(50), false],
    ['a'.repeat(51), true],
    ['Db', true],
    ['-db', true],
    ['db-', true],
    ['d.b', true],
    ['', true],
  ])('service name %j is a problem: %s', (name, bad) => {
    expect(serviceNameProblem(name) !== undefined).toBe(bad);
  });

  it.each([
    [1, false],
    [65535, false],
    [0, true],
    [65536, true],
    [80.5, true],
    ['80', true],
  ])('port %j is a problem: %s', (port, bad) => {
    expect(portProblem(port) !== undefined).toBe(bad);
  });
});
