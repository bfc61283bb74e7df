/** Start fauxcloud: engine, TLS, app, both listeners. Used by the CLI, the tests and the benchmarks. */
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp, type CloudPlugin } from './app.js';
import { DEFAULT_STATE_DEBOUNCE_MS, type Settings } from './config.js';
import { Engine } from './engine.js';
import { StatePersistence, type LoadOutcome } from './persistence.js';
import { lockDataDir, type DataDirLock } from './data-dir-lock.js';
import { loadScenarioFile } from './scenario.js';
import { tlsMaterial } from './tls.js';

export interface RunningServer {
  app: FastifyInstance;
  engine: Engine;
  httpUrl: string;
  httpsUrl: string | undefined;
  caPem: string | undefined;
  /** With `--data-dir`: the state file, and what happened to it at start. */
  persistence: StatePersistence | undefined;
  stateMessage: string | undefined;
  /** Stop listening; with `--data-dir`, the state file is written first and once more at the end. */
  close(): Promise<void>;
}

/** A shutdown does not wait forever on connections a fault rule keeps hanging. */
const CLOSE_GRACE_MS = 5000;

export async function startServer(settings: Settings, clouds: readonly CloudPlugin[]): Promise<RunningServer> {
  const engine = new Engine({ seed: settings.seed });
  engine.auth.override = settings.auth;
  // Before anything reads or writes the directory: a second fauxcloud on it refuses to start.
  const lock = settings.dataDir === undefined ? undefined : lockDataDir(settings.dataDir);
  try {
    return await start(settings, clouds, engine, lock);
  } catch (e) {
    lock?.release();
    throw e;
  }
}

async function start(settings: Settings, clouds: readonly CloudPlugin[], engine: Engine, lock: DataDirLock | undefined): Promise<RunningServer> {
  const persistence =
    settings.dataDir === undefined
      ? undefined
      : new StatePersistence(engine, { dir: settings.dataDir, debounceMs: settings.stateDebounceMs ?? DEFAULT_STATE_DEBOUNCE_MS, fresh: settings.freshState ?? false }, (m) => process.stderr.write(`fauxcloud: ${m}\n`));
  const tls = settings.httpsPort === undefined ? undefined : await tlsMaterial({ dataDir: settings.dataDir, names: settings.tlsNames });
  const { app, https, proxy } = await buildApp({
    engine,
    clouds,
    tls,
    logLevel: settings.logLevel,
    scenarioPaths: settings.scenarioPaths ?? false,
    // The operator chose this one, so it may be any path.
    scenario: (e) => loadScenarioFile(settings.scenario, e),
    adminToken: settings.adminToken,
    onChange: persistence ? () => persistence.changed() : undefined,
  });
  let stateMessage: string | undefined;
  let savedListeners: LoadOutcome['listeners'];
  try {
    const outcome = persistence?.load();
    stateMessage = outcome?.message;
    savedListeners = outcome?.listeners;
  } catch (e) {
    await app.close();
    throw e;
  }
  await app.listen({ host: settings.host, port: settings.port });
  // Pinned listeners of the saved state listen again (a taken port is reported, never fatal).
  if (savedListeners?.length) await engine.pinned.restore(savedListeners, (m) => process.stderr.write(`fauxcloud: ${m}\n`));
  const httpUrl = urlOf('http', settings.host, (app.server.address() as AddressInfo).port);
  let httpsUrl: string | undefined;
  if (https) {
    await new Promise<void>((resolve, reject) => {
      https.once('error', reject);
      https.listen(settings.httpsPort, settings.host, () => resolve());
    });
    httpsUrl = urlOf('https', settings.host, (https.address() as AddressInfo).port);
  }
  engine.listeners.httpUrl = httpUrl;
  engine.listeners.httpsUrl = httpsUrl;
  if (tls && settings.dataDir) engine.listeners.caPath = resolve(settings.dataDir, 'ca.pem');
  return {
    app,
    engine,
    httpUrl,
    httpsUrl,
    caPem: tls?.caPem,
    persistence,
    stateMessage,
    close: async () => {
      await persistence?.save();
      const listeners = (async () => {
        // Open tunnels would keep the listeners' close waiting.
        proxy.closeAll();
        if (https) await new Promise<void>((resolve) => https.close(() => resolve()));
        await app.close();
      })();
      await Promise.race([listeners, new Promise((r) => setTimeout(r, CLOSE_GRACE_MS).unref())]);
      await persistence?.close();
      lock?.release();
    },
  };
}

function urlOf(scheme: string, host: string, port: number): string {
  const h = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host.includes(':') ? `[${host}]` : host;
  return `${scheme}://${h}:${port}`;
}

/**
 * An engine with every cloud registered and no listener, for offline work (`fauxcloud validate`,
 * `fauxcloud schema`): clouds declare their machines and seed loaders when their plugins load.
 */
export async function offlineEngine(clouds: readonly CloudPlugin[]): Promise<{ engine: Engine; close: () => Promise<void> }> {
  const engine = new Engine({ seed: '0' });
  const { app } = await buildApp({ engine, clouds, logLevel: 'silent', scenario: () => ({ name: 'none', source: 'none', seed: {}, lifecycle: {}, faults: [], auth: { clouds: {} } }) });
  return { engine, close: () => app.close() };
}
