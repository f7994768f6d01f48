import { describe, expect, it } from 'vitest';
import { errorsOfFiles as errorsOf, loadFiles as load, ONE_PIPELINE as PIPELINE } from '../../../test/config/load-files.js';

describe('the workflow block', () => {
  it('cancel_superseded is read as a bool; without the block there are no workflow settings', async () => {
    expect((await load({ 'a.hcl': `workflow {\n  cancel_superseded = true\n}\n${PIPELINE}` })).workflow).toEqual({
      cancelSuperseded: true,
      location: { file: '.factory/a.hcl', line: 1, column: 1 },
    });
    expect((await load({ 'a.hcl': `workflow {\n  cancel_superseded = false\n}\n${PIPELINE}` })).workflow?.cancelSuperseded).toBe(false);
    expect((await load({ 'a.hcl': `workflow {}\n${PIPELINE}` })).workflow).toEqual({ location: { file: '.factory/a.hcl', line: 1, column: 1 } });
    expect((await load({ 'a.hcl': PIPELINE })).workflow).toBeUndefined();
  });

  it('a wrong type, an unknown attribute and a second block are located errors', async () => {
    expect(
      await errorsOf({
        'a.hcl': `workflow {\n  cancel_superseded = "yes"\n  cancel_superseeded = true\n}\n${PIPELINE}`,
        'b.hcl': 'workflow {\n}\n',
      }),
    ).toEqual([
      '.factory/a.hcl:2:23: cancel_superseded must be a bool (true or false), not a string',
      '.factory/a.hcl:3:3: unknown attribute "cancel_superseeded" in workflow; did you mean "cancel_superseded"?',
      '.factory/b.hcl:1:1: duplicate workflow block; first defined at .factory/a.hcl:1:1',
    ]);
  });
});
