/**
 * A little space kept beside a SQLite file (`<file>-reserve`), so that when its
 * volume fills up the controller can still write why the run paused: the store
 * gives the reserve up at the first "disk is full" and takes it again at the
 * next open, when space allows. Without it the pause itself could not be
 * recorded, and the run would show as running under a dead controller.
 */
import { existsSync, statSync, unlinkSync, writeFileSync } from 'node:fs';

export const RESERVE_BYTES = 64 * 1024;

const reservePath = (databasePath: string): string => `${databasePath}-reserve`;

/** Creates the reserve when it is missing; a volume already too full for it is no error (the open says so soon enough). */
export function takeReserve(databasePath: string): void {
  const path = reservePath(databasePath);
  try {
    if (existsSync(path) && statSync(path).size >= RESERVE_BYTES) return;
    writeFileSync(path, Buffer.alloc(RESERVE_BYTES));
  } catch {
    try {
      unlinkSync(path);
    } catch {
      // nothing was written
    }
  }
}

/** Frees the reserve; true when there was one to free. */
export function releaseReserve(databasePath: string): boolean {
  try {
    unlinkSync(reservePath(databasePath));
    return true;
  } catch {
    return false;
  }
}
