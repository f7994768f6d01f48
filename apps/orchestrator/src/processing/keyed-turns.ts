/**
 * Tasks that must not overlap per key, run in turn inside this process: a task starts when the previous task of its
 * key has settled; tasks of other keys go on side by side. Admission uses it per project: admissions of one project
 * serialise on the project's row lock in the database anyway, and a burst of them waiting there each held one of the
 * pool's few connections (starving every other query) until Prisma gave up starting transactions.
 */
export type KeyedTurns = <T>(key: string, task: () => Promise<T>) => Promise<T>;

export function createKeyedTurns(): KeyedTurns {
  const last = new Map<string, Promise<unknown>>();
  return <T>(key: string, task: () => Promise<T>): Promise<T> => {
    const previous = last.get(key) ?? Promise.resolve();
    const result = previous.then(task);
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    last.set(key, settled);
    void settled.then(() => {
      if (last.get(key) === settled) last.delete(key);
    });
    return result;
  };
}
