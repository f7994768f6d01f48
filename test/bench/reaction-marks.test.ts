import { describe, expect, it } from 'vitest';
import { clockReadingOf, marksOf, reactionParts } from '../../bench/reaction-marks.js';

const orchestrator = [
  '{"level":30,"time":1796622600100,"runId":"other","msg":"provisioning"}',
  '{"level":30,"time":1796622600120,"runId":"w1","msg":"provisioning"}',
  'not a JSON line',
  '{"level":30,"time":1796622600150,"runId":"w1","msg":"runner started"}',
  '{"level":30,"time":1796622609999,"runId":"w1","msg":"runner started"}',
].join('\n');
const agent = [
  '{"level":30,"time":"2026-12-07T05:50:00.300Z","runId":"w1","bootMs":180,"msg":"agent started"}',
  '{"level":30,"time":"2026-12-07T05:50:00.400Z","runId":"w1","msg":"run received"}',
  '{"level":30,"time":"2026-12-07T05:50:00.450Z","runId":"w1","msg":"fetched"}',
  '{"level":30,"time":"2026-12-07T05:50:00.490Z","runId":"w1","msg":"checked out"}',
  '{"level":30,"time":"2026-12-07T05:50:00.470Z","runId":"w1","msg":"planned"',
  '{"level":30,"time":"2026-12-07T05:50:00.480Z","runId":"w1","msg":"planned"}',
].join('\n');

describe('marksOf', () => {
  it("takes each mark's first line of the run, from the process it belongs to, skipping what is not a JSON line", () => {
    expect(marksOf('w1', { orchestrator, agent })).toEqual({
      admitted: 1796622600120,
      runnerStarted: 1796622600150,
      agentStarted: Date.parse('2026-12-07T05:50:00.300Z'),
      runReceived: Date.parse('2026-12-07T05:50:00.400Z'),
      fetched: Date.parse('2026-12-07T05:50:00.450Z'),
      planned: Date.parse('2026-12-07T05:50:00.480Z'),
    });
  });

  it("ends a warm agent's provisioning at its claim, which the orchestrator logs before the handle is stored", () => {
    const claimed = [
      '{"level":30,"time":1796622600120,"runId":"w1","msg":"provisioning"}',
      '{"level":30,"time":1796622600140,"runId":"w1","msg":"claimed a warm agent"}',
      '{"level":30,"time":1796622600190,"runId":"w1","msg":"runner started"}',
    ].join('\n');
    expect(marksOf('w1', { orchestrator: claimed, agent: '' })).toEqual({ admitted: 1796622600120, runnerStarted: 1796622600140 });
  });

  it('leaves out what was not logged, and a message logged by the other process', () => {
    expect(marksOf('w1', { orchestrator: '', agent: '{"time":"2026-12-07T05:50:00.400Z","runId":"w1","msg":"provisioning"}' })).toEqual({});
  });
});

describe('clockReadingOf', () => {
  it.each([
    ['1796622600500\n', 1796622600500],
    ['1796622600500\nmore\n', 1796622600500],
    ['17966226005\n', undefined],
    ['', undefined],
  ])('reads %j as %s', (output, reading) => {
    expect(clockReadingOf(output)).toBe(reading);
  });
});

describe('reactionParts', () => {
  it('gives each part from one moment to the next, and the whole', () => {
    const moments = { accepted: 1000, admitted: 1010, runnerStarted: 1030, agentStarted: 1250, runReceived: 1330, fetched: 1400, planned: 1450, executionStarted: 1500 };
    expect(reactionParts(moments)).toEqual({
      parts: {
        'queue wait and admission': 10,
        'provisioning (runner block, token, runner start)': 20,
        "agent start (process, node, the agent's modules)": 220,
        'run from the API (GET run; POST running goes on beside the checkout)': 80,
        'fetch (git fetch of the commit)': 70,
        "parse + plan (beside the work tree's checkout)": 50,
        'plan reported and checkout done, spawn of the first execution': 50,
      },
      totalMs: 500,
    });
  });

  it('gives an agent that started before its run (a warm one) a start of 0, and leaves out parts whose moments were not logged', () => {
    const moments = { accepted: 1000, admitted: 1010, runnerStarted: 1030, agentStarted: 400, runReceived: 1060, executionStarted: 1200 };
    expect(reactionParts(moments)).toEqual({
      parts: {
        'queue wait and admission': 10,
        'provisioning (runner block, token, runner start)': 20,
        "agent start (process, node, the agent's modules)": 0,
        'run from the API (GET run; POST running goes on beside the checkout)': 30,
      },
      totalMs: 200,
    });
  });
});
