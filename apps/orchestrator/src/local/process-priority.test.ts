import { describe, expect, it } from 'vitest';
import { atPriority, findOnPath, IDLE_NICE, idlePriority, mayRaisePriority, statFields, threadsOfGroupTree, type ProcReads } from './process-priority.js';

const status = (capEff: string) => `Name:\tnode\nCapInh:\t0000000000000000\nCapEff:\t${capEff}\nCapBnd:\t000001ffffffffff\n`;
const limits = (nice: string) => `Limit                     Soft Limit           Hard Limit           Units     \nMax nice priority         ${nice}                    ${nice}                    \nMax realtime priority     0                    0                    \n`;

describe('the idle agents\' priority', () => {
  it('may be raised again with CAP_SYS_NICE (root, or granted) or an RLIMIT_NICE that reaches nice 0', () => {
    expect(mayRaisePriority(status('000001ffffffffff'), limits('0'))).toBe(true); // root
    expect(mayRaisePriority(status('0000000000800000'), limits('0'))).toBe(true); // CAP_SYS_NICE alone
    expect(mayRaisePriority(status('000001fffe7fffff'), limits('0'))).toBe(false); // all but CAP_SYS_NICE
    expect(mayRaisePriority(status('0000000000000000'), limits('0'))).toBe(false); // an unprivileged user
    expect(mayRaisePriority(status('0000000000000000'), limits('20'))).toBe(true);
    expect(mayRaisePriority(status('0000000000000000'), limits('19'))).toBe(false); // down to nice 1 only
    expect(mayRaisePriority(status('0000000000000000'), limits('unlimited'))).toBe(true);
    expect(mayRaisePriority('', '')).toBe(false);
  });

  it('is low only where it can be raised at the claim and `nice` is found; the supervisor (and all it starts) runs through nice', () => {
    expect(idlePriority(true, '/usr/bin/nice')).toEqual({ nice: IDLE_NICE, niceCommand: '/usr/bin/nice' });
    expect(IDLE_NICE).toBeGreaterThan(0);
    expect(idlePriority(false, '/usr/bin/nice')).toEqual({ nice: 0 });
    expect(idlePriority(true, undefined)).toEqual({ nice: 0 });
    expect(atPriority({ nice: 10, niceCommand: '/usr/bin/nice' }, ['node', '-e', 'x'])).toEqual(['/usr/bin/nice', '-n', '10', 'node', '-e', 'x']);
    expect(atPriority({ nice: 0 }, ['node', '-e', 'x'])).toEqual(['node', '-e', 'x']);
  });

  it('finds `nice` on the PATH, the first executable one', () => {
    const executables = new Set(['/usr/bin/nice', '/bin/nice']);
    expect(findOnPath('nice', '/opt/none::/usr/bin:/bin', (file) => executables.has(file))).toBe('/usr/bin/nice');
    expect(findOnPath('nice', '/opt/none', (file) => executables.has(file))).toBeUndefined();
    expect(findOnPath('nice', undefined, () => true)).toBeUndefined();
  });

  it('reads the process group and nice value of a /proc stat line, whatever its command name holds', () => {
    const line = '4242 (node -e ) x) S 4200 4241 4241 0 -1 4194560 1 0 0 0 3 1 0 0 30 10 7 0 99 1 2 3';
    expect(statFields(line)).toEqual({ pgrp: 4241, nice: 10 });
    expect(statFields('garbage')).toBeUndefined();
  });
});

/** A /proc of `processes` (pid: its group, its threads and each thread's children), counting what is read. */
function fakeProc(processes: Record<number, { pgrp: number; tasks: Record<number, number[]> }>, noChildrenFiles = false): ProcReads & { reads: string[] } {
  const reads: string[] = [];
  const gone = (path: string) => Object.assign(new Error(`ENOENT: ${path}`), { code: 'ENOENT' });
  return {
    reads,
    read(path) {
      reads.push(path);
      const [pid, , tid, file] = /^\/proc\/(\d+)(\/task\/(\d+))?\/(\w+)$/.exec(path)?.slice(1) ?? [];
      const process = processes[Number(pid)];
      if (!process) throw gone(path);
      if (file === 'stat' && tid === undefined) return `${pid} (node) S 1 ${process.pgrp} ${process.pgrp} 0 -1 0 0 0 0 0 0 0 0 0 20 10 1 0 0 0 0`;
      const children = process.tasks[Number(tid)];
      if (file === 'children' && children && !noChildrenFiles) return children.map((child) => `${child} `).join('');
      throw gone(path);
    },
    list(path) {
      reads.push(path);
      const process = processes[Number(/^\/proc\/(\d+)\/task$/.exec(path)?.[1])];
      if (!process) throw gone(path);
      return Object.keys(process.tasks);
    },
  };
}

describe("a claimed agent's threads (threadsOfGroupTree)", () => {
  // the supervisor 100 (two threads), its agent 101 (three), the agent's helper 102; 103 left the group (an
  // execution's own group); 104 ended between its parent's children file and its own
  const machine = {
    100: { pgrp: 100, tasks: { 100: [101], 105: [] } },
    101: { pgrp: 100, tasks: { 101: [102, 103, 104], 106: [], 107: [] } },
    102: { pgrp: 100, tasks: { 102: [] } },
    103: { pgrp: 103, tasks: { 103: [] } },
    999: { pgrp: 999, tasks: { 999: [] } },
  };

  it("are found from the group's leader down, reading only the files of its tree and never listing /proc", () => {
    const proc = fakeProc(machine);
    const threads = threadsOfGroupTree(100, proc);
    expect(threads?.map((t) => `${t.pid}/${t.tid}`).sort()).toEqual(['100/100', '100/105', '101/101', '101/106', '101/107', '102/102']);
    expect(proc.reads).not.toContain('/proc');
    expect(proc.reads.some((path) => path.startsWith('/proc/999'))).toBe(false);
  });

  it('are not told where the kernel keeps no children files, or the leader is gone: the caller scans /proc', () => {
    expect(threadsOfGroupTree(100, fakeProc(machine, true))).toBeUndefined();
    expect(threadsOfGroupTree(200, fakeProc(machine))).toBeUndefined();
  });
});
