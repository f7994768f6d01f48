import { describe, expect, it } from 'vitest';
import { admissionReadScript, admissionsOf, admissionWriteScript, type Admission, type AdmissionFacts } from './admissions.js';

const facts = (limit: number, active: number, places: Record<string, number>): AdmissionFacts => ({ limit, active, places: new Map(Object.entries(places)) });
const admitted: Admission = { admitted: true };
const notQueued: Admission = { admitted: false, why: 'not-queued' };
const held = (active: number, ahead: number, limit: number): Admission => ({ admitted: false, why: 'project-limit', active, ahead, limit });

describe('the admissions of a batch (admissionsOf)', () => {
  it.each<[string, string[], AdmissionFacts, Admission[]]>([
    ['room for all', ['a', 'b', 'c'], facts(10, 0, { a: 0, b: 1, c: 2 }), [admitted, admitted, admitted]],
    ['the first of the queue fill the free slots, in number order whatever the order asked', ['c', 'a', 'b'], facts(3, 1, { a: 0, b: 1, c: 2 }), [held(1, 2, 3), admitted, admitted]],
    ['no room at all', ['a'], facts(2, 2, { a: 0 }), [held(2, 0, 2)]],
    ['a queued workflow not asked for keeps its place ahead', ['b'], facts(2, 1, { b: 1 }), [held(1, 1, 2)]],
    ['one no longer queued (cancelled, ended) has no place', ['a', 'gone'], facts(5, 0, { a: 0 }), [admitted, notQueued]],
    ['asked twice: admitted once', ['a', 'a'], facts(5, 0, { a: 0 }), [admitted, notQueued]],
    ['asked twice while held back: held back both times', ['b', 'b'], facts(1, 1, { b: 0 }), [held(1, 0, 1), held(1, 0, 1)]],
    ['more active than the limit (the limit lowered)', ['a'], facts(1, 3, { a: 0 }), [held(3, 0, 1)]],
    ['nothing asked', [], facts(1, 0, {}), []],
  ])('%s', (_what, asked, given, expected) => {
    expect(admissionsOf(asked, given)).toEqual(expected);
  });

  it('gives the verdicts of deciding one at a time in number order', () => {
    // one at a time: each admission makes one more active and one fewer queued ahead of the next
    const places = { w0: 0, w1: 1, w2: 2, w3: 3, w4: 4 };
    const limit = 4;
    let active = 1;
    const oneByOne = Object.keys(places).map((id, i) => {
      const ahead = i - (active - 1);
      if (active + ahead < limit) {
        active++;
        return admitted;
      }
      return held(active, ahead, limit);
    });
    expect(admissionsOf(Object.keys(places), facts(limit, 1, places)).map((a) => a.admitted)).toEqual(oneByOne.map((a) => a.admitted));
  });
});

const placeholders = (sql: string) => sql.split('?').length - 1;

describe("admission's two scripts (one round trip each, as data)", () => {
  it('the first locks the project row, then counts its active workflows and reads the places of those asked for', () => {
    const script = admissionReadScript('p', ['a', 'b']);
    const statements = script.sql.split(';\n');
    expect(statements.map((s) => s.split(' ').slice(0, 2).join(' '))).toEqual(['START TRANSACTION', 'SELECT `max_concurrent_runs`', 'SELECT COUNT(*)', 'SELECT `id`,']);
    expect(statements[1]).toMatch(/FROM `projects` WHERE `id` = \? FOR UPDATE$/);
    expect(statements[3]).toContain("ROW_NUMBER() OVER (ORDER BY `number`) - 1 AS `place`");
    expect(script.values).toHaveLength(placeholders(script.sql));
    expect(script.values).toEqual(['p', 'p', 'provisioning', 'running', 'p', 'a', 'b']);
  });

  it('the second moves the chosen from queued only, reads back which it moved, and commits', () => {
    const script = admissionWriteScript(['a', 'b']);
    const statements = script.sql.split(';\n');
    expect(statements.map((s) => s.split(' ')[0])).toEqual(['UPDATE', 'SELECT', 'COMMIT']);
    expect(statements[0]).toContain("SET `status` = 'provisioning', `status_reason` = NULL, `updated_at` = NOW(3)");
    expect(statements[1]).toMatch(/`status` = 'provisioning'$/);
    expect(script.values).toHaveLength(placeholders(script.sql));
    expect(script.values).toEqual(['a', 'b', 'queued', 'a', 'b']);
  });
});
