import { describe, expect, it } from 'vitest';
import { freshReads } from './fresh-reads.js';

/** A read whose answers the test gives by hand; it records each read it was asked for. */
function manualRead() {
  const asked: { key: string; resolve: (value: string) => void; reject: (error: Error) => void }[] = [];
  const read = (key: string) => new Promise<string>((resolve, reject) => asked.push({ key, resolve, reject }));
  return { asked, read };
}

describe('freshReads', () => {
  it('callers woken by one notice (marks taken before the read started) share one read', async () => {
    const { asked, read } = manualRead();
    const reads = freshReads(read, (key: string) => key);
    const marks = [reads.mark(), reads.mark(), reads.mark()];
    const answers = marks.map((since) => reads.read('w1:10', since));
    expect(asked.map((a) => a.key)).toEqual(['w1:10']);
    asked[0]!.resolve('chunks');
    const answered = await Promise.all(answers);
    expect(answered.map((a) => a.value)).toEqual(['chunks', 'chunks', 'chunks']);
    // one end mark for all, later than every mark taken before it
    expect(new Set(answered.map((a) => a.endedAt)).size).toBe(1);
    expect(answered[0]!.endedAt).toBeGreaterThan(Math.max(...marks));
    expect(reads.mark()).toBeGreaterThan(answered[0]!.endedAt);
  });

  it('a caller whose mark is newer than the read in flight starts its own (it may have missed what is new)', async () => {
    const { asked, read } = manualRead();
    const reads = freshReads(read, (key: string) => key);
    const first = reads.read('w1:10', reads.mark());
    const later = reads.read('w1:10', reads.mark());
    expect(asked.length).toBe(2);
    asked[0]!.resolve('old');
    asked[1]!.resolve('new');
    expect([(await first).value, (await later).value]).toEqual(['old', 'new']);
  });

  it('another key is another read; an answered read is not kept', async () => {
    const { asked, read } = manualRead();
    const reads = freshReads(read, (key: string) => key);
    const since = reads.mark();
    const a = reads.read('w1:10', since);
    const b = reads.read('w1:11', since);
    expect(asked.map((x) => x.key)).toEqual(['w1:10', 'w1:11']);
    asked[0]!.resolve('a');
    asked[1]!.resolve('b');
    expect([(await a).value, (await b).value]).toEqual(['a', 'b']);
    const again = reads.read('w1:10', since);
    expect(asked.length).toBe(3);
    asked[2]!.resolve('a2');
    expect((await again).value).toBe('a2');
  });

  it('an error goes to every caller that shared the read, and is not kept', async () => {
    const { asked, read } = manualRead();
    const reads = freshReads(read, (key: string) => key);
    const since = reads.mark();
    const answers = [reads.read('k', since), reads.read('k', since)];
    asked[0]!.reject(new Error('database gone'));
    for (const answer of answers) await expect(answer).rejects.toThrow('database gone');
    const retry = reads.read('k', since);
    expect(asked.length).toBe(2);
    asked[1]!.resolve('ok');
    expect((await retry).value).toBe('ok');
  });
});

describe('readClock shared by two kinds of reads', () => {
  it('a read of one kind started after another kind\'s read ended is not joined to one started before', async () => {
    const { readClock } = await import('./fresh-reads.js');
    const clock = readClock();
    const tree = manualRead();
    const chunks = manualRead();
    const trees = freshReads(tree.read, (k: string) => k, clock);
    const chunkReads = freshReads(chunks.read, (k: string) => k, clock);
    const since = trees.mark();
    const early = chunkReads.read('w1:0', since); // another stream's chunk read, begun before the tree read ended
    const treeAnswer = trees.read('w1', since);
    tree.asked[0]!.resolve('final');
    const { endedAt } = await treeAnswer;
    const late = chunkReads.read('w1:0', Math.max(since, endedAt));
    expect(chunks.asked.length).toBe(2);
    chunks.asked[0]!.resolve('before the last chunk');
    chunks.asked[1]!.resolve('every chunk');
    expect((await early).value).toBe('before the last chunk');
    expect((await late).value).toBe('every chunk');
  });
});
