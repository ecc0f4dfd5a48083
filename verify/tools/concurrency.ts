/**
 * Runs `task` for every item, at most `limit` at a time, taking the items in
 * the order given; resolves once every task has finished. A task that throws
 * rejects the whole, so tasks that must all run catch their own errors.
 */
export async function forEachAtMost<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  const worker = async () => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) await task(next);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, queue.length)) }, worker));
}
