/**
 * `fauxcloud env <cloud|proxy> [--url URL] [--ca-file PATH]`: ask a running fauxcloud's
 * `GET /_fauxcloud/endpoints…` and print its environment variables as shell `export` lines
 * (`eval "$(fauxcloud env aws)"`). With `--proxy`, a cloud's variables that point at fauxcloud
 * are left out and the proxy's are given instead: the cloud's real host names, reached through
 * fauxcloud. When the server keeps no CA file, the CA is fetched and written to a file so the CA
 * variables name a real path.
 */
import { writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { CA_PLACEHOLDER } from './admin/endpoints.js';

const USAGE = 'usage: fauxcloud env <cloud|proxy> [--proxy] [--url http://127.0.0.1:4600] [--ca-file PATH]\n';

export interface EnvIo {
  out(text: string): void;
  err(text: string): void;
  fetch: typeof fetch;
  env: NodeJS.ProcessEnv;
}

/** POSIX shell single quoting, left bare when nothing in it is special. */
export function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:@,+=-]+$/.test(value) ? value : `'${value.replaceAll("'", `'\\''`)}'`;
}

export async function envCommand(argv: string[], io: EnvIo): Promise<number> {
  let values: { url?: string; 'ca-file'?: string; proxy?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({ args: argv, options: { url: { type: 'string' }, 'ca-file': { type: 'string' }, proxy: { type: 'boolean' } }, allowPositionals: true, strict: true }));
  } catch (e) {
    io.err(`fauxcloud env: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const [cloud] = positionals;
  if (!cloud || positionals.length > 1) {
    io.err(USAGE);
    return 2;
  }
  const base = (values.url ?? io.env['FAUXCLOUD_URL'] ?? 'http://127.0.0.1:4600').replace(/\/+$/, '');
  let env: Record<string, string>;
  try {
    const res = await io.fetch(`${base}/_fauxcloud/endpoints${cloud === 'proxy' ? '' : `/${encodeURIComponent(cloud)}`}`);
    const body = (await res.json()) as { message?: string; env?: Record<string, string>; listeners?: { http: string; https?: string }; proxy?: { env: Record<string, string> } };
    if (!res.ok) {
      io.err(`fauxcloud env: ${body.message ?? `HTTP ${res.status}`}\n`);
      return 1;
    }
    if (cloud === 'proxy') env = body.proxy?.env ?? {};
    else if (values.proxy) {
      const own = [body.listeners?.http, body.listeners?.https].filter((u): u is string => !!u).map((u) => new URL(u).host);
      const pointsHere = (v: string) => own.some((h) => v.includes(h));
      env = { ...Object.fromEntries(Object.entries(body.env ?? {}).filter(([, v]) => !pointsHere(v))), ...(body.proxy?.env ?? {}) };
    } else env = body.env ?? {};
    if (Object.values(env).includes(CA_PLACEHOLDER)) {
      const caFile = values['ca-file'] ?? join(tmpdir(), `fauxcloud-ca-${new URL(base).host.replace(/[^A-Za-z0-9.-]/g, '_')}.pem`);
      const ca = await io.fetch(`${base}/_fauxcloud/ca.pem`);
      if (!ca.ok) throw new Error(`GET /_fauxcloud/ca.pem: HTTP ${ca.status}`);
      writeFileSync(caFile, await ca.text());
      env = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === CA_PLACEHOLDER ? caFile : v]));
    }
  } catch (e) {
    io.err(`fauxcloud env: cannot ask ${base}: ${(e as Error).message}\n`);
    return 1;
  }
  for (const [k, v] of Object.entries(env)) if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) io.out(`export ${k}=${shellQuote(v)}\n`);
  return 0;
}
