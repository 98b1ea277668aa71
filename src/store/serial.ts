/**
 * One-at-a-time execution of async tasks. The SQLite driver adapter gives a
 * process one connection and opens transactions on it, so a query issued
 * while a transaction is open runs inside that transaction: it reads
 * uncommitted rows and, if the transaction rolls back, its writes vanish with
 * it. The store therefore runs its SQLite operations through one Serial.
 * better-sqlite3 is synchronous, so this costs no throughput: the database
 * work was never concurrent within a process. (PostgreSQL gives each
 * transaction its own pooled connection and needs none of this.)
 */
export class Serial {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.tail.then(task);
    // The next task waits for this one whether it succeeds or fails.
    this.tail = result.catch(() => undefined);
    return result;
  }
}
