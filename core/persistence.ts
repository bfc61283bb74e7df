/**
 * `--data-dir`: the state document (core/state.ts) kept in `<dir>/state.json`. Written after
 * changes at most once per window (so a busy server writes a few times a second, not per request,
 * and `kill -9` loses at most one window), and on shutdown; loaded at start in place of the
 * scenario's seed. Every write is atomic: a temporary file, fsync, rename, fsync of the directory,
 * so a crash leaves either the old file or the new one, never half of one.
 * A state file that cannot be read or parsed is refused, never overwritten: the operator either
 * looks at it or starts with `--fresh-state`, which moves it aside first.
 */
import { closeSync, existsSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { mkdir, open, rename } from 'node:fs/promises';
import { join } from 'node:path';
import type { Engine, EngineState } from './engine.js';
import { stateProblems } from './state.js';
import type { SavedListener } from './pinned-listeners.js';

export const STATE_FILE = 'state.json';

/** The state file exists but cannot be used: the CLI exits with this error's code. */
export class StateFileError extends Error {
  readonly exitCode = 3;
}

export interface PersistenceOptions {
  dir: string;
  /** Longest a change waits before it is written (ms). */
  debounceMs: number;
  /** Ignore an existing state file: move it aside and start from the scenario. */
  fresh: boolean;
}

export interface LoadOutcome {
  loaded: boolean;
  /** The pinned listeners the file names, for the server to open again once it listens. */
  listeners?: SavedListener[];
  /** One line for the log: what was loaded from where, or why the scenario's seed is used. */
  message: string;
}

export class StatePersistence {
  readonly path: string;
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;
  private chain: Promise<void> = Promise.resolve();
  private stopped = false;
  /** Last write failure (disk full, permissions), reported once until a write succeeds again. */
  private failing = false;
  /** Milliseconds the last snapshot held the event loop (export + stringify). */
  private lastCostMs = 0;

  constructor(
    private readonly engine: Engine,
    private readonly opts: PersistenceOptions,
    private readonly log: (msg: string) => void,
  ) {
    this.path = join(opts.dir, STATE_FILE);
  }

  /** At start, after the scenario is loaded: replace its state with the file's, if there is one. */
  load(): LoadOutcome {
    this.removeStaleTemporaries();
    if (!existsSync(this.path)) return { loaded: false, message: `no state file yet at ${this.path}: starting from the scenario's seed` };
    let problem: string | undefined;
    let doc: EngineState | undefined;
    try {
      const parsed: unknown = JSON.parse(readFileSync(this.path, 'utf8'));
      problem = stateProblems(parsed);
      if (!problem) doc = parsed as EngineState;
    } catch (e) {
      problem = (e as Error).message;
    }
    if (this.opts.fresh) {
      const aside = keepAside(this.path, problem ? 'corrupt' : 'previous');
      return { loaded: false, message: `--fresh-state: moved ${this.path} to ${aside}; starting from the scenario's seed` };
    }
    if (doc) {
      try {
        this.engine.importState(resumeClock(doc));
      } catch (e) {
        problem = (e as Error).message;
        doc = undefined;
      }
    }
    if (problem || !doc)
      throw new StateFileError(
        `the state file ${this.path} cannot be loaded (${problem ?? 'unknown problem'}); it was left untouched. ` +
          `Start with --fresh-state to move it aside (to state.json.corrupt-<time>) and begin from the scenario's seed.`,
      );
    const resources = doc.store.tenants.reduce((n, t) => n + ((t as { records?: unknown[] }).records?.length ?? 0), 0);
    return {
      loaded: true,
      listeners: doc.listeners,
      message: `loaded ${this.path} (saved ${doc.savedAt ?? 'at an unknown time'}${doc.scenario ? ` under scenario ${doc.scenario.name}` : ''}: ${resources} resources, ${doc.faults?.rules.length ?? 0} fault rules) instead of the scenario's seed`,
    };
  }

  /** A write cut short by kill -9 leaves its temporary file; the state file itself is whole. */
  private removeStaleTemporaries(): void {
    if (!existsSync(this.opts.dir)) return;
    for (const f of readdirSync(this.opts.dir)) if (f.startsWith(`${STATE_FILE}.tmp-`)) rmSync(join(this.opts.dir, f), { force: true });
  }

  /** Something changed: write within the window (a throttle, so a steady stream of changes still gets written). */
  changed(): void {
    this.dirty = true;
    if (this.timer || this.stopped) return;
    // A big world costs more to serialise: space writes so they never take more than a fifth of
    // the event loop (10,000 volumes: ~4 MB, ~60-250 ms), at the price of a longer window.
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.save();
    }, Math.max(this.opts.debounceMs, 4 * this.lastCostMs));
    this.timer.unref();
  }

  /** Write now if anything changed (and wait for a write under way). */
  save(): Promise<void> {
    this.chain = this.chain.then(() => this.write());
    return this.chain;
  }

  /** Shutdown: cancel the timer, write what is pending, write nothing after. */
  async close(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    await this.save();
    this.stopped = true;
  }

  private async write(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    // Serialised synchronously: the document is one consistent instant, whatever arrives meanwhile.
    const started = performance.now();
    const text = JSON.stringify(this.engine.exportState());
    this.lastCostMs = performance.now() - started;
    const tmp = `${this.path}.tmp-${process.pid}`;
    try {
      await mkdir(this.opts.dir, { recursive: true });
      const fh = await open(tmp, 'w', 0o600);
      try {
        await fh.writeFile(text);
        await fh.sync();
      } finally {
        await fh.close();
      }
      await rename(tmp, this.path);
      syncDir(this.opts.dir);
      this.failing = false;
    } catch (e) {
      this.dirty = true;
      if (!this.failing) this.log(`cannot write ${this.path}: ${(e as Error).message} (will retry on the next change)`);
      this.failing = true;
    }
  }
}

/**
 * The virtual clock went on while fauxcloud was down, as the cloud would have: now moves by the
 * real time since the save times the clock's factor (a stopped clock stays where it was).
 */
function resumeClock(doc: EngineState): EngineState {
  const saved = doc.savedAt ? Date.parse(doc.savedAt) : NaN;
  const down = Number.isFinite(saved) ? Math.max(0, Date.now() - saved) : 0;
  return { ...doc, clock: { now: doc.clock.now + down * doc.clock.factor, factor: doc.clock.factor } };
}

/** Rename to `<file>.<why>-<time>` (with a counter if that exists): a kept file is never overwritten. */
function keepAside(path: string, why: string): string {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  let target = `${path}.${why}-${stamp}`;
  for (let i = 1; existsSync(target); i++) target = `${path}.${why}-${stamp}-${i}`;
  renameSync(path, target);
  return target;
}

/** fsync the directory so the rename itself survives a power cut (not possible on every platform). */
function syncDir(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // Some platforms cannot open a directory for fsync; the rename is still atomic.
  }
}
