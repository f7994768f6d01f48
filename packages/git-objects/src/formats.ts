/**
 * Git's object formats as FactoryCI reads them from a long-lived `git cat-file --batch-command` (the orchestrator's
 * per repository, apps/orchestrator/src/processing/git-objects.ts; the agent's per workspace,
 * apps/agent/src/server/git-objects.ts): its answers, one after another in the order asked (`parseBatchAnswers`), and
 * tree objects, which are binary (`parseTree`). Pure; output of another shape is a GitOutputError.
 */

/** Git answered something that is not what was asked for (a malformed tree, output that is no batch answer). */
export class GitOutputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GitOutputError';
  }
}

/** An answer of `cat-file --batch-command`: the object's id, type and size (and its bytes for `contents`), or missing. */
export type BatchAnswer = { found: true; oid: string; type: string; size: number; content?: Buffer } | { found: false; name: string; why: string };

/** An entry of a tree object: `mode` as git writes it (octal, e.g. `100644`, `40000`). */
export interface TreeEntry {
  mode: string;
  name: string;
  oid: string;
}

/** The entries of a tree object (`<mode> <name>\0<id as hashBytes raw bytes>`, repeated). */
export function parseTree(tree: Buffer, hashBytes: number): TreeEntry[] {
  const entries: TreeEntry[] = [];
  let at = 0;
  while (at < tree.length) {
    const space = tree.indexOf(0x20, at);
    const nul = space === -1 ? -1 : tree.indexOf(0, space + 1);
    if (space === -1 || nul === -1 || nul + 1 + hashBytes > tree.length) throw new GitOutputError(`malformed tree object at byte ${at}`);
    entries.push({ mode: tree.toString('latin1', at, space), name: tree.toString('utf8', space + 1, nul), oid: tree.toString('hex', nul + 1, nul + 1 + hashBytes) });
    at = nul + 1 + hashBytes;
  }
  return entries;
}

/**
 * Takes the answers complete in `buffer` for the commands waiting (`withContent`: whether each was `contents`), in
 * order; returns them and the bytes left over (the start of the next answer).
 */
export function parseBatchAnswers(buffer: Buffer, withContent: readonly boolean[]): { answers: BatchAnswer[]; rest: Buffer } {
  const answers: BatchAnswer[] = [];
  let at = 0;
  for (const content of withContent) {
    const newline = buffer.indexOf(0x0a, at);
    if (newline === -1) break;
    const header = buffer.toString('utf8', at, newline);
    const parts = header.split(' ');
    const last = parts.at(-1) ?? '';
    if (last === 'missing' || last === 'ambiguous') {
      answers.push({ found: false, name: parts.slice(0, -1).join(' '), why: last });
      at = newline + 1;
      continue;
    }
    const [oid = '', type = '', sizeText = ''] = parts;
    const size = Number(sizeText);
    if (parts.length !== 3 || !/^\d+$/.test(sizeText) || !Number.isSafeInteger(size)) {
      throw new GitOutputError(`unexpected answer from git cat-file: ${JSON.stringify(header.slice(0, 200))}`);
    }
    if (!content) {
      answers.push({ found: true, oid, type, size });
      at = newline + 1;
      continue;
    }
    // the object's bytes, then a newline
    if (buffer.length < newline + 1 + size + 1) break;
    if (buffer[newline + 1 + size] !== 0x0a) throw new GitOutputError(`an object cut short in git cat-file's answer: ${JSON.stringify(header)}`);
    answers.push({ found: true, oid, type, size, content: buffer.subarray(newline + 1, newline + 1 + size) });
    at = newline + 1 + size + 1;
  }
  return { answers, rest: buffer.subarray(at) };
}

/**
 * Reads the answers as git's stdout arrives: each call adds `chunk` and returns the answers it completed for the
 * commands waiting (`withContent`, as parseBatchAnswers), keeping the start of an incomplete one for the next call.
 * Output of another shape throws (a GitOutputError).
 */
export function batchAnswerReader(): (chunk: Buffer, withContent: readonly boolean[]) => BatchAnswer[] {
  let buffered: Buffer = Buffer.alloc(0);
  return (chunk, withContent) => {
    buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
    const { answers, rest } = parseBatchAnswers(buffered, withContent);
    // a copy: the chunk it is a view of is not kept
    buffered = rest.length === 0 ? Buffer.alloc(0) : Buffer.from(rest);
    return answers;
  };
}
