import { describe, expect, it } from 'vitest';
import { ConfigError, CONFIG_LIMITS, formatDiagnostic, loadConfigFromFiles, planToJson, planWorkflow } from './index.js';
import { copyName, expandMatrices, matrixCopies, matrixEnv, MATRIX_LIMITS, type DeclaredPipeline } from './matrix.js';
import type { Execution, MatrixSpec } from './model.js';

const at = { file: '.factory/a.hcl', line: 1, column: 1 };
const spec = (axes: Record<string, string[]>, exclude: Record<string, string>[] = []): MatrixSpec => {
  const declared = { axes: Object.entries(axes).map(([name, values]) => ({ name, values })), exclude, location: at };
  return { ...declared, copies: matrixCopies(declared).length };
};
const execution = (name: string, extra: Partial<Execution> & { matrixSpec?: MatrixSpec } = {}) => ({ name, command: 'true', env: {}, secrets: [], location: at, ...extra });
const declared = (name: string, extra: Partial<DeclaredPipeline> = {}): DeclaredPipeline => ({
  name,
  filter: {},
  dependsOn: [],
  env: {},
  stages: [{ name: 's', location: at, executions: [execution('e')] }],
  location: at,
  ...extra,
});

describe('matrixCopies, copyName, matrixEnv', () => {
  it('makes every combination, the first axis varying slowest, without the excluded ones', () => {
    const copies = matrixCopies(spec({ node: ['18', '20', '22'], db: ['mysql', 'mariadb'] }, [{ node: '18', db: 'mysql' }]));
    expect(copies.map((values) => copyName('unit', values))).toEqual([
      'unit (node=18, db=mariadb)',
      'unit (node=20, db=mysql)',
      'unit (node=20, db=mariadb)',
      'unit (node=22, db=mysql)',
      'unit (node=22, db=mariadb)',
    ]);
  });

  it('excludes by a partial combination: every copy with those values', () => {
    expect(matrixCopies(spec({ node: ['18', '20'], db: ['mysql', 'mariadb'] }, [{ node: '18' }]))).toEqual([
      { node: '20', db: 'mysql' },
      { node: '20', db: 'mariadb' },
    ]);
  });

  it('names the variables MATRIX_ and the axis in upper case', () => {
    expect(matrixEnv({ node: '18', db_kind: 'mysql' })).toEqual({ MATRIX_NODE: '18', MATRIX_DB_KIND: 'mysql' });
  });
});

describe('expandMatrices', () => {
  it('leaves a configuration without matrix as it is', () => {
    const pipelines = [declared('a'), declared('b', { dependsOn: ['a'] })];
    expect(expandMatrices(pipelines)).toEqual(pipelines);
  });

  it('replaces an execution by its copies, in place in its stage, each with its values and MATRIX_* after its env', () => {
    const [pipeline] = expandMatrices([
      declared('p', {
        stages: [
          {
            name: 's',
            location: at,
            executions: [execution('first'), execution('unit', { env: { A: '1', MATRIX_NODE: 'mine' }, matrixSpec: spec({ node: ['18', '20'] }) }), execution('last')],
          },
        ],
      }),
    ]);
    expect(pipeline?.stages[0]?.executions.map((e) => [e.name, e.env, e.matrix])).toEqual([
      ['first', {}, undefined],
      ['unit (node=18)', { A: '1', MATRIX_NODE: '18' }, { node: '18' }],
      ['unit (node=20)', { A: '1', MATRIX_NODE: '20' }, { node: '20' }],
      ['last', {}, undefined],
    ]);
    expect(pipeline?.stages[0]?.executions.some((e) => 'matrixSpec' in e)).toBe(false);
  });

  it('replaces a pipeline by its copies; depends_on a matrix pipeline names all of its copies', () => {
    const pipelines = expandMatrices([
      declared('test', { env: { CI: 'true' }, matrixSpec: spec({ node: ['18', '20'], db: ['mysql', 'mariadb'] }, [{ node: '18', db: 'mysql' }]) }),
      declared('deploy', { dependsOn: ['test'] }),
    ]);
    expect(pipelines.map((p) => [p.name, p.env, p.matrix, p.dependsOn])).toEqual([
      ['test (node=18, db=mariadb)', { CI: 'true', MATRIX_NODE: '18', MATRIX_DB: 'mariadb' }, { node: '18', db: 'mariadb' }, []],
      ['test (node=20, db=mysql)', { CI: 'true', MATRIX_NODE: '20', MATRIX_DB: 'mysql' }, { node: '20', db: 'mysql' }, []],
      ['test (node=20, db=mariadb)', { CI: 'true', MATRIX_NODE: '20', MATRIX_DB: 'mariadb' }, { node: '20', db: 'mariadb' }, []],
      ['deploy', {}, undefined, ['test (node=18, db=mariadb)', 'test (node=20, db=mysql)', 'test (node=20, db=mariadb)']],
    ]);
  });

  it('a matrix pipeline depending on a matrix pipeline: each copy waits for every copy of it; execution matrices inside copies', () => {
    const pipelines = expandMatrices([
      declared('build', { matrixSpec: spec({ os: ['linux', 'mac'] }) }),
      declared('test', {
        dependsOn: ['build'],
        matrixSpec: spec({ node: ['18', '20'] }),
        stages: [{ name: 's', location: at, executions: [execution('unit', { matrixSpec: spec({ shard: ['1', '2'] }) })] }],
      }),
    ]);
    expect(pipelines.map((p) => [p.name, p.dependsOn, p.stages[0]?.executions.map((e) => `${e.name} ${JSON.stringify(e.env)}`)])).toEqual([
      ['build (os=linux)', [], ['e {}']],
      ['build (os=mac)', [], ['e {}']],
      ['test (node=18)', ['build (os=linux)', 'build (os=mac)'], ['unit (shard=1) {"MATRIX_SHARD":"1"}', 'unit (shard=2) {"MATRIX_SHARD":"2"}']],
      ['test (node=20)', ['build (os=linux)', 'build (os=mac)'], ['unit (shard=1) {"MATRIX_SHARD":"1"}', 'unit (shard=2) {"MATRIX_SHARD":"2"}']],
    ]);
  });
});

const file = (content: string) => [{ path: '.factory/a.hcl', content }];
const pipelineWith = (matrix: string, executionMatrix = '') =>
  `pipeline "test" {\n${matrix}  stage "s" {\n    execution "unit" {\n      command = "true"\n${executionMatrix}    }\n  }\n}\n`;

async function errorsOf(content: string, options: Parameters<typeof loadConfigFromFiles>[1] = {}): Promise<string[]> {
  const error = await loadConfigFromFiles(file(content), options).then(
    () => undefined,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).diagnostics.map(formatDiagnostic);
}

describe('matrix blocks in .factory', () => {
  it('reads axes of strings and numbers and exclude, and plans the copies (plan JSON shows their values)', async () => {
    const config = await loadConfigFromFiles(
      file(pipelineWith('  matrix {\n    node    = ["18", 20]\n    db      = ["mysql", "mariadb"]\n    exclude = [{ node = 18, db = "mysql" }]\n  }\n', '      matrix {\n        shard = [1, 2]\n      }\n')),
    );
    const json = planToJson(planWorkflow(config, { event: 'push', branch: 'main' }));
    expect(json.version).toBe(1);
    expect(json.order).toEqual(['test (node=18, db=mariadb)', 'test (node=20, db=mysql)', 'test (node=20, db=mariadb)']);
    expect(json.pipelines[0]).toMatchObject({ matrix: { node: '18', db: 'mariadb' }, env: { MATRIX_NODE: '18', MATRIX_DB: 'mariadb' }, location: '.factory/a.hcl:1:1' });
    expect(json.pipelines[0]?.stages[0]?.executions.map((e) => [e.name, e.matrix, e.env, e.location])).toEqual([
      ['unit (shard=1)', { shard: '1' }, { MATRIX_SHARD: '1' }, '.factory/a.hcl:8:5'],
      ['unit (shard=2)', { shard: '2' }, { MATRIX_SHARD: '2' }, '.factory/a.hcl:8:5'],
    ]);
  });

  it('reports an unknown axis in exclude, an exclude value no axis has, an empty exclude entry', async () => {
    expect(await errorsOf(pipelineWith('  matrix {\n    node = ["18", "20"]\n    exclude = [{ nod = "18" }, { node = "16" }, {}]\n  }\n'))).toEqual([
      '.factory/a.hcl:4:18: exclude names unknown matrix axis "nod"; did you mean "node"?',
      '.factory/a.hcl:4:41: exclude "node" = "16" is not a value of matrix axis "node" ("18", "20")',
      '.factory/a.hcl:4:49: an exclude entry must name at least one axis (an empty one would exclude every copy)',
    ]);
  });

  it('reports an empty axis, values that are not strings or numbers, a value listed twice, an unusable value', async () => {
    expect(await errorsOf(pipelineWith('  matrix {\n    node = []\n    db = [true, ["x"], "a", "a", "has space"]\n    os = "linux"\n  }\n'))).toEqual([
      '.factory/a.hcl:3:12: matrix axis "node" is empty: give it at least one value',
      '.factory/a.hcl:4:11: each value of matrix axis "db" must be a string or a number, not a bool',
      '.factory/a.hcl:4:17: each value of matrix axis "db" must be a string or a number, not a list',
      '.factory/a.hcl:4:29: matrix axis "db" lists "a" twice',
      '.factory/a.hcl:4:34: each value of matrix axis "db" "has space" is not a usable value: 1 to 64 letters, digits, "_", ".", ":", "/", "@", "+" or "-"',
      '.factory/a.hcl:5:10: matrix axis "os" must be a list of values, e.g. os = ["a", "b"]',
    ]);
  });

  it('reports an axis name that is no environment variable suffix, two axes for one variable, one the pipeline has', async () => {
    expect(await errorsOf(pipelineWith('  matrix {\n    node-version = ["18"]\n    db = ["a"]\n    DB = ["b"]\n  }\n', '      matrix {\n        Db = ["c"]\n      }\n'))).toEqual([
      '.factory/a.hcl:3:5: invalid matrix axis name "node-version": its variable MATRIX_NODE-VERSION must be an environment variable name (letters, digits and "_")',
      '.factory/a.hcl:5:5: matrix axes "db" and "DB" would both set MATRIX_DB',
      '.factory/a.hcl:11:9: matrix axis "Db" would set MATRIX_DB, which the pipeline\'s matrix axis "db" sets',
    ]);
  });

  it('reports a matrix without axes, a second matrix block, a nested block, one that excludes everything', async () => {
    expect(await errorsOf(pipelineWith('  matrix {\n    inner {\n    }\n  }\n  matrix {\n    a = ["1"]\n  }\n', '      matrix {\n        a2 = ["1"]\n        exclude = [{ a2 = "1" }]\n      }\n'))).toEqual([
      '.factory/a.hcl:2:3: matrix of pipeline "test" has no axis: add one, e.g. node = ["20", "22"]',
      '.factory/a.hcl:3:5: unknown block "inner" in matrix: a matrix holds axes (name = [values]) and exclude',
      '.factory/a.hcl:6:3: duplicate matrix block in pipeline "test"; first defined at .factory/a.hcl:2:3',
      '.factory/a.hcl:12:7: matrix of execution "unit" excludes every combination: it would run nothing',
    ]);
  });

  it(`reports a matrix expanding past ${MATRIX_LIMITS.maxCopies} copies (counted after exclude), or past ${MATRIX_LIMITS.maxCombinations} combinations`, async () => {
    const values = (n: number) => `[${Array.from({ length: n }, (_, i) => `"${i}"`).join(', ')}]`;
    // 16 × 17 = 272 combinations; excluding a = "0" leaves 255, within the limit
    await expect(loadConfigFromFiles(file(pipelineWith(`  matrix {\n    a = ${values(16)}\n    b = ${values(17)}\n    exclude = [{ a = "0" }]\n  }\n`)))).resolves.toMatchObject({
      pipelines: { length: 255 },
    });
    expect(await errorsOf(pipelineWith(`  matrix {\n    a = ${values(16)}\n    b = ${values(17)}\n  }\n`))).toEqual([
      '.factory/a.hcl:2:3: matrix of pipeline "test" expands to more than 256 copies; a matrix may have at most 256',
    ]);
    expect(await errorsOf(pipelineWith(`  matrix {\n    a = ${values(300)}\n    b = ${values(300)}\n    exclude = [{ a = "0" }]\n  }\n`))).toEqual([
      '.factory/a.hcl:2:3: matrix of pipeline "test" has 90000 combinations; a matrix may have at most 65536 (and at most 256 copies after exclude)',
    ]);
  });

  it('reports a copy name longer than the API stores', async () => {
    const long = 'v'.repeat(60);
    expect(await errorsOf(pipelineWith(`  matrix {\n    first = ["${long}"]\n    second = ["x", "${long}"]\n  }\n`))).toEqual([
      `.factory/a.hcl:2:3: matrix copy name "test (first=${long}, second=${long})" has 142 characters; a name may have at most 100 (shorten the name, the axis names or the values)`,
    ]);
  });

  it('counts the copies against the execution limit, reported at the execution beyond it', async () => {
    const limits = { ...CONFIG_LIMITS, maxExecutions: 5 };
    expect(await errorsOf(pipelineWith('  matrix {\n    a = ["1", "2", "3"]\n  }\n', '      matrix {\n        b = ["1", "2"]\n      }\n'), { limits })).toEqual([
      '.factory/a.hcl:6:5: too many executions: a configuration has at most 5',
    ]);
  });

  it('counts a matrix pipeline\'s copies against the pipeline limit, reported at its matrix', async () => {
    const limits = { ...CONFIG_LIMITS, maxPipelines: 3 };
    const content = `pipeline "first" {\n  stage "s" {\n    execution "e" {\n      command = "true"\n    }\n  }\n}\n${pipelineWith('  matrix {\n    a = ["1", "2", "3"]\n  }\n')}`;
    expect(await errorsOf(content, { limits })).toEqual(['.factory/a.hcl:9:3: too many pipelines: a configuration has at most 3 (matrix copies counted)']);
  });

  it('reports a depends_on cycle through a matrix pipeline at each element of the cycle', async () => {
    const content = [
      'pipeline "a" {\n  depends_on = ["b"]\n  stage "s" {\n    execution "e" {\n      command = "true"\n    }\n  }\n}',
      'pipeline "b" {\n  depends_on = ["a"]\n  matrix {\n    x = ["1", "2"]\n  }\n  stage "s" {\n    execution "e" {\n      command = "true"\n    }\n  }\n}\n',
    ].join('\n');
    expect(await errorsOf(content)).toEqual([
      '.factory/a.hcl:2:17: depends_on forms a cycle: "a" → "b" → "a"',
      '.factory/a.hcl:10:17: depends_on forms a cycle: "a" → "b" → "a"',
    ]);
  });

  it('hints at the block form when matrix is written as an attribute', async () => {
    expect(await errorsOf(pipelineWith('  matrix = { a = ["1"] }\n'))).toEqual(['.factory/a.hcl:2:3: "matrix" is a block, not an attribute: write matrix { node = ["20", "22"] }']);
  });
});
