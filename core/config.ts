/** Settings by flag and environment variable (flags win). Documented in the README. */
import { parseArgs } from 'node:util';
import { AUTH_MODES, type AuthMode } from './auth.js';

export interface Settings {
  host: string;
  port: number;
  /** `undefined` turns the HTTPS listener off. */
  httpsPort: number | undefined;
  scenario: string;
  seed: string;
  dataDir: string | undefined;
  tlsNames: string[];
  logLevel: string;
  /** Let admin API callers load scenario files by path (`PUT /scenario {"name": "/x.yaml"}`, `extends: ./x.yaml`). */
  scenarioPaths?: boolean;
  /** `--auth`: wins over the scenario's `auth.mode`; undefined leaves it to the scenario (off by default). */
  auth?: AuthMode;
  /** `--admin-token`: then /_fauxcloud/* (but health and ca.pem) wants `Authorization: Bearer <token>`. */
  adminToken?: string;
  /** `--fresh-state`: move an existing state file aside and start from the scenario. */
  freshState?: boolean;
  /** `--state-debounce`: longest a change waits before the state file is written (ms). */
  stateDebounceMs?: number;
}

export const DEFAULTS = { host: '127.0.0.1', port: 4600, httpsPort: 4601, scenario: 'default', seed: '0', logLevel: 'warn' } as const;

export const DEFAULT_STATE_DEBOUNCE_MS = 200;

export class SettingsError extends Error {}

export function resolveSettings(argv: string[], env: NodeJS.ProcessEnv): Settings {
  const { values } = parseArgs({
    args: argv,
    options: {
      host: { type: 'string' },
      port: { type: 'string' },
      'https-port': { type: 'string' },
      scenario: { type: 'string' },
      seed: { type: 'string' },
      'data-dir': { type: 'string' },
      'tls-names': { type: 'string' },
      'log-level': { type: 'string' },
      'scenario-paths': { type: 'boolean' },
      auth: { type: 'string' },
      'admin-token': { type: 'string' },
      'fresh-state': { type: 'boolean' },
      'state-debounce': { type: 'string' },
    },
    strict: true,
    allowPositionals: false,
  });
  const pick = (flag: string | undefined, name: string): string | undefined => flag ?? (env[name] === '' ? undefined : env[name]);
  const httpsRaw = pick(values['https-port'], 'FAUXCLOUD_HTTPS_PORT');
  const auth = pick(values.auth, 'FAUXCLOUD_AUTH');
  if (auth !== undefined && !(AUTH_MODES as readonly string[]).includes(auth)) throw new SettingsError(`--auth must be one of ${AUTH_MODES.join(', ')}, got '${auth}'`);
  const debounceRaw = pick(values['state-debounce'], 'FAUXCLOUD_STATE_DEBOUNCE_MS');
  const debounce = debounceRaw === undefined ? DEFAULT_STATE_DEBOUNCE_MS : Number(debounceRaw);
  if (!Number.isInteger(debounce) || debounce < 0 || debounce > 60_000) throw new SettingsError(`--state-debounce must be whole milliseconds 0-60000, got '${debounceRaw}'`);
  const fresh = values['fresh-state'] ?? ['1', 'true', 'yes'].includes((env['FAUXCLOUD_FRESH_STATE'] ?? '').toLowerCase());
  return {
    host: pick(values.host, 'FAUXCLOUD_HOST') ?? DEFAULTS.host,
    port: port(pick(values.port, 'FAUXCLOUD_PORT'), DEFAULTS.port, 'port'),
    httpsPort: httpsRaw === 'off' ? undefined : port(httpsRaw, DEFAULTS.httpsPort, 'https-port'),
    scenario: pick(values.scenario, 'FAUXCLOUD_SCENARIO') ?? DEFAULTS.scenario,
    seed: pick(values.seed, 'FAUXCLOUD_SEED') ?? DEFAULTS.seed,
    dataDir: pick(values['data-dir'], 'FAUXCLOUD_DATA_DIR'),
    tlsNames: (pick(values['tls-names'], 'FAUXCLOUD_TLS_NAMES') ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    logLevel: pick(values['log-level'], 'FAUXCLOUD_LOG_LEVEL') ?? DEFAULTS.logLevel,
    scenarioPaths: values['scenario-paths'] ?? flag(env['FAUXCLOUD_SCENARIO_PATHS'], 'FAUXCLOUD_SCENARIO_PATHS'),
    auth: auth as AuthMode | undefined,
    adminToken: pick(values['admin-token'], 'FAUXCLOUD_ADMIN_TOKEN'),
    freshState: fresh,
    stateDebounceMs: debounce,
  };
}

function flag(raw: string | undefined, name: string): boolean {
  if (raw === undefined || raw === '' || /^(0|false|no|off)$/i.test(raw)) return false;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  throw new SettingsError(`${name} must be true or false, got '${raw}'`);
}

function port(raw: string | undefined, fallback: number, name: string): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new SettingsError(`--${name} must be a port number 0-65535 (0 picks a free port), got '${raw}'`);
  return n;
}
