/** The benches' checks of what the system did, pure: tested as data in test/bench/checks.test.ts. */

/** What is wrong with `jobRunIds` (the run-id label of every Job) for `workflowIds`: none, once each, is right. */
export function oneJobEach(workflowIds: readonly string[], jobRunIds: readonly string[]): string[] {
  const counts = new Map<string, number>(workflowIds.map((id) => [id, 0]));
  const problems: string[] = [];
  for (const runId of jobRunIds) {
    const seen = counts.get(runId);
    if (seen === undefined) problems.push(`a Job of no queued workflow: ${runId}`);
    else counts.set(runId, seen + 1);
  }
  for (const [id, seen] of counts) if (seen !== 1) problems.push(`workflow ${id}: ${seen} Jobs`);
  return problems;
}

/**
 * Whether `pages` (stored chunks' data, in seq order) are exactly `lines` lines, the i-th being `line(i)`; read page
 * by page, never held whole. The number of the first line that differs, if any.
 */
export async function checkOrderedOutput(
  pages: AsyncIterable<readonly string[]>,
  lines: number,
  line: (i: number) => string,
): Promise<{ ok: boolean; bytes: number; firstDifference?: number }> {
  let bytes = 0;
  let pending = '';
  let next = 0;
  for await (const page of pages) {
    for (const data of page) {
      bytes += Buffer.byteLength(data);
      pending += data;
      let start = 0;
      for (let end = pending.indexOf('\n'); end !== -1; end = pending.indexOf('\n', start)) {
        if (next >= lines || pending.slice(start, end + 1) !== line(next)) return { ok: false, bytes, firstDifference: next };
        next++;
        start = end + 1;
      }
      pending = pending.slice(start);
    }
  }
  return pending === '' && next === lines ? { ok: true, bytes } : { ok: false, bytes, firstDifference: next };
}
