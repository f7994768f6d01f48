import { describe, expect, it } from 'vitest';
import { createKeyedTurns } from './keyed-turns.js';

/** A task that records its start and end and ends (or fails) when told. */
function task(name: string, log: string[]) {
  let end: () => void = () => undefined;
  let fail: (error: Error) => void = () => undefined;
  const run = () =>
    new Promise<string>((resolve, reject) => {
      log.push(`start ${name}`);
      end = () => (log.push(`end ${name}`), resolve(name));
      fail = (error) => (log.push(`fail ${name}`), reject(error));
    });
  return { run, end: () => end(), fail: (error: Error) => fail(error) };
}

const turns = () => new Promise((resolve) => setImmediate(resolve));

describe('createKeyedTurns', () => {
  it('runs the tasks of one key one after the other, in order, and of other keys side by side', async () => {
    const inTurn = createKeyedTurns();
    const log: string[] = [];
    const [a1, a2, b1] = [task('a1', log), task('a2', log), task('b1', log)];
    const results = [inTurn('a', a1.run), inTurn('a', a2.run), inTurn('b', b1.run)];
    await turns();
    expect(log).toEqual(['start a1', 'start b1']);
    a1.end();
    await turns();
    expect(log).toEqual(['start a1', 'start b1', 'end a1', 'start a2']);
    a2.end();
    b1.end();
    expect(await Promise.all(results)).toEqual(['a1', 'a2', 'b1']);
  });

  it("starts the next task after a failed one, whose failure reaches only its own caller", async () => {
    const inTurn = createKeyedTurns();
    const log: string[] = [];
    const [first, second] = [task('first', log), task('second', log)];
    const failing = inTurn('a', first.run);
    const next = inTurn('a', second.run);
    await turns();
    first.fail(new Error('lock wait timeout'));
    await expect(failing).rejects.toThrow('lock wait timeout');
    await turns();
    second.end();
    expect(await next).toBe('second');
    expect(log).toEqual(['start first', 'fail first', 'start second', 'end second']);
  });
});
