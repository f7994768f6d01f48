import { describe, expect, it } from 'vitest';
import type { ConfigFile } from '@factoryci/config';
import type { RunnerRequest } from '../runner.js';
import { configFilesKey, shareRunnerBlockParses } from './shared-parses.js';

const ci = (image: string): ConfigFile[] => [{ path: '.factory/ci.hcl', content: `runner {\n  image = "${image}"\n}\n` }];

/** A parse that records its calls and answers when told: the image named in the first file, or an error. */
function controlledParse() {
  const calls: string[] = [];
  const waiting: { image: string; answer: () => void; fail: (error: Error) => void }[] = [];
  let running = 0;
  let mostAtOnce = 0;
  const parse = (files: readonly ConfigFile[]) =>
    new Promise<RunnerRequest | undefined>((resolve, reject) => {
      const image = /image = "(.*)"/.exec(files[0]?.content ?? '')?.[1] ?? '';
      calls.push(image);
      running++;
      mostAtOnce = Math.max(mostAtOnce, running);
      const done = () => running--;
      waiting.push({ image, answer: () => (done(), resolve(image === 'none' ? undefined : { image })), fail: (error) => (done(), reject(error)) });
    });
  const turns = () => new Promise((resolve) => setImmediate(resolve));
  return { parse, calls, waiting, turns, mostAtOnce: () => mostAtOnce };
}

describe('configFilesKey', () => {
  it.each([
    ['another content', [{ path: 'a.hcl', content: 'x' }], [{ path: 'a.hcl', content: 'y' }]],
    ['another path', [{ path: 'a.hcl', content: 'x' }], [{ path: 'b.hcl', content: 'x' }]],
    ['a boundary moved between path and content', [{ path: 'a.hcl', content: 'bx' }], [{ path: 'a.hclb', content: 'x' }]],
    ['a boundary moved between files', [{ path: 'a', content: 'xy' }, { path: 'b', content: '' }], [{ path: 'a', content: 'x' }, { path: 'b', content: 'y' }]],
    ['another order', [{ path: 'a', content: '1' }, { path: 'b', content: '2' }], [{ path: 'b', content: '2' }, { path: 'a', content: '1' }]],
  ])('differs for %s', (_what, one, other) => {
    expect(configFilesKey(one)).not.toBe(configFilesKey(other));
  });

  it('is equal for equal files', () => {
    expect(configFilesKey(ci('node:20'))).toBe(configFilesKey(ci('node:20')));
  });
});

describe('shareRunnerBlockParses', () => {
  it('parses the same files once, answering later asks from the cache, each with its own copy', async () => {
    const { parse, calls, waiting, turns } = controlledParse();
    const shared = shareRunnerBlockParses(parse, { entries: 10, concurrency: 2 });
    const first = shared(ci('node:20'));
    await turns();
    waiting[0]?.answer();
    const one = await first;
    const two = await shared(ci('node:20'));
    expect(one).toEqual({ image: 'node:20' });
    expect(two).toEqual({ image: 'node:20' });
    expect(two).not.toBe(one);
    expect(calls).toEqual(['node:20']);
  });

  it('keeps "no runner block" too, and drops the least recently used beyond its entries', async () => {
    const { parse, calls, waiting, turns } = controlledParse();
    const shared = shareRunnerBlockParses(parse, { entries: 1, concurrency: 2 });
    const ask = async (image: string) => {
      const asked = shared(ci(image));
      await turns();
      waiting.at(-1)?.answer();
      return asked;
    };
    expect(await ask('none')).toBeUndefined();
    expect(await shared(ci('none'))).toBeUndefined();
    await ask('node:20');
    await ask('none');
    expect(calls).toEqual(['none', 'node:20', 'none']);
  });

  it('lets asks for files being parsed wait for that parse', async () => {
    const { parse, calls, waiting, turns } = controlledParse();
    const shared = shareRunnerBlockParses(parse, { entries: 10, concurrency: 2 });
    const asks = [shared(ci('node:20')), shared(ci('node:20')), shared(ci('node:20'))];
    await turns();
    waiting[0]?.answer();
    expect(await Promise.all(asks)).toEqual([{ image: 'node:20' }, { image: 'node:20' }, { image: 'node:20' }]);
    expect(calls).toEqual(['node:20']);
  });

  it('runs at most `concurrency` parses at once, the others in turn', async () => {
    const { parse, calls, waiting, turns, mostAtOnce } = controlledParse();
    const shared = shareRunnerBlockParses(parse, { entries: 10, concurrency: 2 });
    const asks = ['a:1', 'b:1', 'c:1', 'd:1', 'e:1'].map((image) => shared(ci(image)));
    await turns();
    expect(calls).toEqual(['a:1', 'b:1']);
    for (let answered = 0; answered < 5; answered++) {
      waiting[answered]?.answer();
      await turns();
    }
    expect((await Promise.all(asks)).map((runner) => runner?.image)).toEqual(['a:1', 'b:1', 'c:1', 'd:1', 'e:1']);
    expect(calls).toHaveLength(5);
    expect(mostAtOnce()).toBe(2);
  });

  it('keeps no failure: the next ask parses again', async () => {
    const { parse, calls, waiting, turns } = controlledParse();
    const shared = shareRunnerBlockParses(parse, { entries: 10, concurrency: 2 });
    const failed = shared(ci('node:20'));
    await turns();
    waiting[0]?.fail(new Error('parsing .factory/ took longer than 5000 ms; stopped'));
    await expect(failed).rejects.toThrow('took longer');
    const again = shared(ci('node:20'));
    await turns();
    waiting[1]?.answer();
    expect(await again).toEqual({ image: 'node:20' });
    expect(calls).toEqual(['node:20', 'node:20']);
  });
});
