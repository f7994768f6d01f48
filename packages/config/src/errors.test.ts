import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, formatDiagnostic, loadConfig, loadConfigFromFiles } from './index.js';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true })));
});

/** Writes `files` into a fresh `.factory` directory and returns its path. */
async function factoryDir(files: Record<string, string>): Promise<string> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'factory-config-'));
  dirs.push(root);
  const dir = path.join(root, '.factory');
  await mkdir(dir);
  for (const [name, content] of Object.entries(files)) await writeFile(path.join(dir, name), content);
  return dir;
}

/** Loads `files` from disk and returns every diagnostic as `name:line:col: message` (the directory stripped). */
async function errorsOf(files: Record<string, string>): Promise<string[]> {
  const dir = await factoryDir(files);
  const error = await loadConfig(dir).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).diagnostics.map((d) => formatDiagnostic(d).split(`${dir}${path.sep}`).join(''));
}

const ok = (name: string, body = 'command = "true"') => `pipeline "${name}" {\n  stage "s" {\n    execution "e" {\n      ${body}\n    }\n  }\n}\n`;

describe('configuration errors name file:line:col', () => {
  it('reports an HCL syntax error where HCL finds it', async () => {
    expect(await errorsOf({ 'a.hcl': 'pipeline "x" {\n  stage "s" {\n    execution "e" {\n      command = \n    }\n  }\n}\n' })).toEqual([
      'a.hcl:4:17: Invalid expression; Expected the start of an expression, but found an invalid expression token.',
    ]);
  });

  it('reports every HCL diagnostic of a file and rewrites ranges inside messages', async () => {
    const errors = await errorsOf({ 'a.hcl': 'runner {\n  image = "a"\n  image = "b"\n}\n' });
    expect(errors).toEqual([
      'a.hcl:3:3: Attribute redefined; The argument "image" was already set at a.hcl:2:3. Each argument may be set only once.',
    ]);
  });

  it('reports unknown blocks with a suggestion', async () => {
    expect(await errorsOf({ 'a.hcl': `pipelines "x" {\n}\n${ok('y').replace('stage "s"', 'stag "s"')}` })).toEqual([
      'a.hcl:1:1: unknown block "pipelines" at the top level; did you mean "pipeline"?',
      'a.hcl:3:1: pipeline "y" has no stages: add stage "name" { execution "name" { command = "..." } }',
      'a.hcl:4:3: unknown block "stag" in pipeline "y"; did you mean "stage"?',
    ]);
  });

  it('reports unknown attributes at their name, with "did you mean" when close', async () => {
    const errors = await errorsOf({
      'a.hcl': 'pipeline "x" {\n  stage "s" {\n    execution "e" {\n      comand = "npm test"\n      colour = "red"\n    }\n  }\n}\n',
    });
    expect(errors).toEqual([
      'a.hcl:3:5: execution "e" has no command: add command = "..."',
      'a.hcl:4:7: unknown attribute "comand" in execution "e"; did you mean "command"?',
      'a.hcl:5:7: unknown attribute "colour" in execution "e"',
    ]);
  });

  it('says when an attribute is written as a block and a block as an attribute', async () => {
    const errors = await errorsOf({ 'a.hcl': 'pipeline "x" {\n  filter = { events = ["push"] }\n  stage "s" {\n    execution "e" {\n      command { }\n    }\n  }\n}\n' });
    expect(errors).toEqual([
      'a.hcl:2:3: "filter" is a block, not an attribute: write filter { branches = ["main"] }',
      'a.hcl:4:5: execution "e" has no command: add command = "..."',
      'a.hcl:5:7: unknown block "command" in execution "e": "command" is an attribute, write command = ...',
    ]);
  });

  it('reports wrong types at the value', async () => {
    const errors = await errorsOf({
      'a.hcl': [
        'pipeline "x" {',
        '  depends_on = "y"',
        '  env = ["A"]',
        '  stage "s" {',
        '    execution "e" {',
        '      command = ["npm", "test"]',
        '      secrets = ["A", 1]',
        '      timeout = 10',
        '      env = { A = ["x"] }',
        '    }',
        '    execution "f" {',
        '      command = npm',
        '    }',
        '    execution "g" {',
        '      command = "echo ${HOME}"',
        '    }',
        '  }',
        '}',
        '',
      ].join('\n'),
    });
    expect(errors).toEqual([
      'a.hcl:2:16: depends_on must be a list of strings, not a string',
      'a.hcl:3:9: env must be a map of strings, e.g. { NODE_ENV = "test" }, not a list',
      'a.hcl:6:17: command must be a string, not a list',
      'a.hcl:7:23: each element of secrets must be a string, not a number',
      'a.hcl:8:17: timeout must be a string, not a number',
      'a.hcl:9:19: env.A must be a string, not a list',
      'a.hcl:12:17: command must be a string; expressions such as "npm" are not evaluated (use a quoted literal)',
      'a.hcl:15:23: command: template "${HOME}" is not supported, values are literal (write "$${" for a literal "${" and "%%{" for "%{")',
    ]);
  });

  it('reports a missing or empty command at the execution', async () => {
    expect(await errorsOf({ 'a.hcl': ok('x', 'env = { A = "1" }') + ok('y', 'command = "  "') })).toEqual([
      'a.hcl:3:5: execution "e" has no command: add command = "..."',
      'a.hcl:11:17: command must not be empty',
    ]);
  });

  it('reports duplicate pipelines across files, naming the first definition', async () => {
    expect(await errorsOf({ 'a.hcl': ok('build'), 'b.hcl': `\n\n${ok('build')}` })).toEqual([
      expect.stringMatching(/^b\.hcl:3:10: duplicate pipeline "build"; first defined at .*a\.hcl:1:10$/),
    ]);
  });

  it('reports duplicate stages, executions and runner blocks', async () => {
    const errors = await errorsOf({
      'a.hcl': [
        'runner { image = "node:20" }',
        'pipeline "p" {',
        '  stage "s" {',
        '    execution "e" { command = "a" }',
        '    execution "e" { command = "b" }',
        '  }',
        '  stage "s" {',
        '    execution "e" { command = "c" }',
        '  }',
        '}',
        '',
      ].join('\n'),
      'b.hcl': 'runner {\n  cpu = "1"\n}\n',
    });
    expect(errors).toEqual([
      expect.stringMatching(/^a\.hcl:5:15: duplicate execution "e" in stage "s"; first defined at .*a\.hcl:4:15$/),
      expect.stringMatching(/^a\.hcl:7:9: duplicate stage "s" in pipeline "p"; first defined at .*a\.hcl:3:9$/),
      expect.stringMatching(/^b\.hcl:1:1: duplicate runner block; first defined at .*a\.hcl:1:1$/),
    ]);
  });

  it('reports a depends_on naming an unknown pipeline at the list element', async () => {
    expect(await errorsOf({ 'a.hcl': ok('build') + ok('deploy').replace('{\n', '{\n  depends_on = ["build", "biuld", "lint"]\n') })).toEqual([
      'a.hcl:9:26: depends_on names unknown pipeline "biuld"; did you mean "build"?',
      'a.hcl:9:35: depends_on names unknown pipeline "lint"',
    ]);
  });

  it('reports a cycle at each depends_on element of the cycle, and a self-dependency', async () => {
    const withDeps = (name: string, deps: string) => ok(name).replace('{\n', `{\n  depends_on = ${deps}\n`);
    const errors = await errorsOf({
      'a.hcl': withDeps('a', '["b"]') + withDeps('b', '["c"]'),
      'b.hcl': withDeps('c', '["a"]') + withDeps('d', '["d"]'),
    });
    expect(errors).toEqual([
      'a.hcl:2:17: depends_on forms a cycle: "a" → "b" → "c" → "a"',
      'a.hcl:10:17: depends_on forms a cycle: "a" → "b" → "c" → "a"',
      'b.hcl:2:17: depends_on forms a cycle: "a" → "b" → "c" → "a"',
      'b.hcl:10:17: pipeline "d" depends on itself',
    ]);
  });

  it('reports bad durations at the value', async () => {
    expect(await errorsOf({ 'a.hcl': ok('x', 'command = "a"\n      timeout = "10 minutes"').replace('{\n', '{\n  timeout = "-1s"\n') })).toEqual([
      'a.hcl:2:13: invalid duration "-1s" for timeout: use e.g. "90s", "10m", "1h30m" or "500ms"',
      'a.hcl:6:17: invalid duration "10 minutes" for timeout: use e.g. "90s", "10m", "1h30m" or "500ms"',
    ]);
  });

  it('reports bad globs and bad event names at the list element', async () => {
    const filter = 'filter {\n    events   = ["push", "pr"]\n    branches = ["main", "release/[0-9"]\n    paths    = ["/etc/**", "src/{a,b"]\n    tags     = []\n  }\n';
    expect(await errorsOf({ 'a.hcl': ok('x').replace('{\n', `{\n  ${filter}`) })).toEqual([
      'a.hcl:3:25: unknown event "pr"; events are "push", "pull_request", "tag", "manual", "schedule"',
      'a.hcl:4:25: invalid glob "release/[0-9": Missing closing: "]" - use "\\\\]" to match literal characters',
      'a.hcl:5:17: path glob "/etc/**" must be relative to the checkout (no leading "/")',
      'a.hcl:5:28: invalid glob "src/{a,b": Missing closing: "}" - use "\\\\}" to match literal characters',
      'a.hcl:6:16: tags must not be empty (leave it out to not filter on tags)',
    ]);
  });

  it('reports runner problems: quantities, labels, unknown attributes', async () => {
    expect(await errorsOf({ 'a.hcl': 'runner "big" {\n}\n', 'b.hcl': ok('x') }).then((e) => e[0])).toBe('a.hcl:1:8: a runner block takes no label: write runner { image = "node:20" }');
    expect(await errorsOf({ 'a.hcl': 'runner {\n  cpu    = "two"\n  memory = "0"\n  disk   = "1Gi"\n}\n', 'b.hcl': ok('x') })).toEqual([
      'a.hcl:2:12: cpu: "two" is not a Kubernetes quantity (e.g. "500m", "2", "512Mi", "2Gi")',
      'a.hcl:3:12: memory: "0" must be greater than zero',
      'a.hcl:4:3: unknown attribute "disk" in runner',
    ]);
  });

  it('reports bad names, secrets, environment names and working directories', async () => {
    const body = 'command = "a"\n      secrets = ["npm-token", "A", "A"]\n      env = { "1X" = "y" }\n      working_dir = "sub/../../x"';
    expect(await errorsOf({ 'a.hcl': ok('my pipeline') + ok('p', body) })).toEqual([
      'a.hcl:1:10: invalid pipeline name "my pipeline": use letters, digits, "_", "-" and "." (not starting with "-" or ".")',
      'a.hcl:12:18: invalid secret name "npm-token": use upper-case letters, digits and "_" (e.g. "NPM_TOKEN")',
      'a.hcl:12:36: secret "A" is listed twice',
      'a.hcl:13:15: "1X" is not a valid environment variable name (letters, digits and _, not starting with a digit)',
      'a.hcl:14:21: working_dir "sub/../../x" must be a relative path inside the checkout',
    ]);
  });

  it('reports a pipeline without stages and a stage without executions at their block', async () => {
    expect(await errorsOf({ 'a.hcl': 'pipeline "a" {\n}\n\npipeline "b" {\n  stage "empty" {\n  }\n}\n' })).toEqual([
      'a.hcl:1:1: pipeline "a" has no stages: add stage "name" { execution "name" { command = "..." } }',
      'a.hcl:5:3: stage "empty" has no executions: add execution "name" { command = "..." }',
    ]);
  });

  it('reports an empty or missing .factory directory', async () => {
    const dir = await factoryDir({ 'README.md': '# not configuration\n' });
    await expect(loadConfig(dir)).rejects.toMatchObject({ diagnostics: [{ file: dir, line: 0, column: 0, message: 'no .hcl files found' }] });
    await expect(loadConfig(dir)).rejects.toThrow(`${dir}: no .hcl files found`);
    const missing = path.join(dir, 'nope');
    await expect(loadConfig(missing)).rejects.toThrow(`${missing}: directory not found`);
    await expect(loadConfigFromFiles([])).rejects.toThrow('.factory: no .hcl files found');
  });

  it('reports a configuration without any pipeline at the directory', async () => {
    const dir = await factoryDir({ 'runner.hcl': 'runner {\n  image = "node:20"\n}\n', 'empty.hcl': '# nothing yet\n' });
    await expect(loadConfig(dir)).rejects.toThrow(`${dir}: no pipeline defined: add pipeline "name" { ... } to a .hcl file`);
  });

  it('reports map keys that are set twice or are expressions', async () => {
    expect(await errorsOf({ 'a.hcl': ok('x').replace('{\n', '{\n  env = { A = "1", A = "2", (b) = "3" }\n') })).toEqual([
      'a.hcl:2:20: env sets "A" twice',
      'a.hcl:2:29: env keys must be literal names, not the expression (b)',
    ]);
  });

  it('counts columns in characters, not bytes or UTF-16 units', async () => {
    expect(await errorsOf({ 'a.hcl': ok('x', 'command = "é😀"\n      env = { A = "ü" }   /* 😀 */ timeout = "1x"') })).toEqual([
      'a.hcl:5:35: Missing newline after argument; An argument definition must end with a newline.',
    ]);
    expect(await errorsOf({ 'a.hcl': ok('x', 'command = "a"\n      env = { A = "😀é", B = ["x"] }') })).toEqual([
      'a.hcl:5:29: env.B must be a string, not a list',
    ]);
    expect(await errorsOf({ 'a.hcl': 'pipeline "x" {\n  stage "s" {\n    execution "é😀" {\n      comand = "a"\n    }\n  }\n}\n' })).toEqual([
      'a.hcl:3:15: invalid execution name "é😀": use letters, digits, "_", "-" and "." (not starting with "-" or ".")',
    ]);
  });
});

describe('more structural errors', () => {
  it('reports top-level attributes, duplicate filter blocks and a depends_on listing a name twice', async () => {
    const errors = await errorsOf({
      'a.hcl': `name = "x"\n${ok('build')}${ok('test').replace('{\n', '{\n  depends_on = ["build", "build"]\n  filter { events = ["push"] }\n  filter { events = ["tag"] }\n')}`,
    });
    expect(errors).toEqual([
      'a.hcl:1:1: unknown attribute "name" at the top level',
      'a.hcl:10:26: depends_on lists "build" twice',
      expect.stringMatching(/^a\.hcl:12:3: duplicate filter block in pipeline "test"; first defined at .*a\.hcl:11:3$/),
    ]);
  });
});

describe('all errors at once', () => {
  it('reports every problem of every file, sorted, and a syntax error does not hide other files', async () => {
    const errors = await errorsOf({
      'a-broken.hcl': 'pipeline "lint" {\n  stage "s" {\n    execution "e" {\n      command = "x"\n  }\n',
      'b.hcl': ok('build', 'command = "make"\n      timeout = "soon"'),
      'c.hcl': ok('deploy').replace('{\n', '{\n  depends_on = ["build", "lint", "ghost"]\n  colour = "x"\n'),
    });
    expect(errors).toEqual([
      expect.stringMatching(/^a-broken\.hcl:2:13: Unclosed configuration block;/),
      'b.hcl:5:17: invalid duration "soon" for timeout: use e.g. "90s", "10m", "1h30m" or "500ms"',
      // "lint" is defined in the broken file: not reported as unknown.
      'c.hcl:2:34: depends_on names unknown pipeline "ghost"',
      'c.hcl:3:3: unknown attribute "colour" in pipeline "deploy"',
    ]);
  });

  it('throws one ConfigError whose message lists every diagnostic', async () => {
    const dir = await factoryDir({ 'a.hcl': ok('a', 'command = 1'), 'b.hcl': ok('b', 'command = 2') });
    const error = await loadConfig(dir).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toBe(
      `invalid configuration (2 errors):\n${path.join(dir, 'a.hcl')}:4:17: command must be a string, not a number\n${path.join(dir, 'b.hcl')}:4:17: command must be a string, not a number`,
    );
  });
});

describe('file encodings and parser differences', () => {
  it('reads Windows line ends and a byte order mark like plain files', async () => {
    const content = '\uFEFFpipeline "x" {\r\n  stage "s" {\r\n    execution "e" {\r\n      command = <<-EOT\r\n        echo hi\r\n      EOT\r\n    }\r\n  }\r\n}\r\n';
    const config = await loadConfigFromFiles([{ path: 'a.hcl', content }]);
    expect(config.pipelines[0]?.stages[0]?.executions[0]?.command).toBe('echo hi\n');
    expect(config.pipelines[0]?.location).toEqual({ file: 'a.hcl', line: 1, column: 1 });
  });

  it('reports syntax HCL accepts but the position parser cannot follow, instead of guessing locations', async () => {
    expect(await errorsOf({ 'a.hcl': 'runner {\n  cpu = 1e3\n}\n' })).toEqual(['a.hcl:2:10: unsupported syntax near "e3"']);
  });
});
