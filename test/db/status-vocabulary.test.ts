import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { StepStatus, WorkflowStatus } from '@factoryci/db';
import { STEP_STATUSES, WORKFLOW_STATUSES } from '@factoryci/run-state';
import { describe, expect, it } from 'vitest';
import { getDmmf } from './schema-shape.js';

const schemaPath = fileURLToPath(new URL('../../prisma/schema.prisma', import.meta.url));

describe('the status enums of prisma/schema.prisma are run-state\'s vocabulary', () => {
  it('WorkflowStatus and StepStatus have the same words in the same order', async () => {
    const enums = getDmmf(await readFile(schemaPath, 'utf8')).datamodel.enums;
    const values = (name: string) => enums.find((e) => e.name === name)?.values.map((v) => v.dbName ?? v.name);
    expect(values('WorkflowStatus')).toEqual([...WORKFLOW_STATUSES]);
    expect(values('StepStatus')).toEqual([...STEP_STATUSES]);
  });

  it('so does the generated client (prisma generate ran on this schema)', () => {
    expect(Object.values(WorkflowStatus)).toEqual([...WORKFLOW_STATUSES]);
    expect(Object.values(StepStatus)).toEqual([...STEP_STATUSES]);
  });
});
