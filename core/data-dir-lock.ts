/**
 * One fauxcloud per `--data-dir`: two processes writing one `state.json` would each overwrite the
 * other's world. The first takes `<dir>/fauxcloud.lock` (its pid, created exclusively); a second
 * refuses to start naming the holder. A lock whose pid is no longer running (a `kill -9`, a crash)
 * is stale and taken over. Within one process (tests), a directory held by a running server is
 * refused too.
 */
import { mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { StateFileError } from './persistence.js';

export const LOCK_FILE = 'fauxcloud.lock';

/** Directories held by servers of this process. */
const heldHere = new Set<string>();

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists, owned by someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface DataDirLock {
  release(): void;
}

export function lockDataDir(dir: string): DataDirLock {
  const abs = resolve(dir);
  const path = join(abs, LOCK_FILE);
  mkdirSync(abs, { recursive: true });
  if (heldHere.has(abs)) throw new StateFileError(`${abs} is in use by another fauxcloud in this process; use another --data-dir`);
  for (let attempt = 0; ; attempt++) {
    try {
      writeFileSync(path, `${process.pid}\n`, { flag: 'wx' });
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw new StateFileError(`cannot lock ${abs}: ${(e as Error).message}`);
      let holder = NaN;
      try {
        holder = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
      } catch {
        /* unreadable: stale */
      }
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && alive(holder))
        throw new StateFileError(`${abs} is in use by fauxcloud pid ${holder} (${path}); stop it or start with another --data-dir`);
      // Stale (its process is gone): take it over.
      try {
        unlinkSync(path);
      } catch {
        /* someone else took it over first: the next attempt says so */
      }
    }
  }
  heldHere.add(abs);
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      heldHere.delete(abs);
      try {
        if (readFileSync(path, 'utf8').trim() === String(process.pid)) unlinkSync(path);
      } catch {
        /* already gone */
      }
    },
  };
}
