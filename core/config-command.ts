/**
 * `fauxcloud config <component> [--out DIR] [--set PATH=VALUE]…` and `fauxcloud config --list`:
 * ask a running fauxcloud's `GET /_fauxcloud/config…` for an upstream component's config files
 * and write them (or print them). The CA the files name is fetched and written next to them, so
 * every path in them is real.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { EnvIo } from './env-command.js';

const USAGE = `usage: fauxcloud config --list [--url http://127.0.0.1:4600]
       fauxcloud config <component> [--url …] [--out DIR] [--file NAME] [--set PATH=VALUE]… [--unset PATH]…
                        [--base-url URL] [--ca-file PATH]
  --url       the running fauxcloud (default $FAUXCLOUD_URL, else http://127.0.0.1:4600)
  --out       write the files into DIR (default: print them)
  --file      print only this file; --set/--unset change it (default: the component's first file)
  --set       PATH=VALUE: "[Section] key" in INI files, a.b.0 in JSON/YAML, the name in env and flags files
  --base-url  the URL the component must use instead of the server's own (a proxy, another host name)
  --ca-file   where to write fauxcloud's CA, which the files name (default DIR/fauxcloud-ca.pem)
`;

interface FileOut { name: string; format: string; text: string }
interface Answer { message?: string; component?: string; summary?: string; files?: FileOut[]; notes?: string[]; components?: { component: string; cloud: string; summary: string; files: string[] }[] }

export async function configCommand(argv: string[], io: EnvIo): Promise<number> {
  let values: { url?: string; out?: string; file?: string; set?: string[]; unset?: string[]; 'base-url'?: string; 'ca-file'?: string; list?: boolean };
  let positionals: string[];
  try {
    ({ values, positionals } = parseArgs({
      args: argv,
      options: { url: { type: 'string' }, out: { type: 'string' }, file: { type: 'string' }, set: { type: 'string', multiple: true }, unset: { type: 'string', multiple: true }, 'base-url': { type: 'string' }, 'ca-file': { type: 'string' }, list: { type: 'boolean' } },
      allowPositionals: true,
      strict: true,
    }));
  } catch (e) {
    io.err(`fauxcloud config: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const [component] = positionals;
  if (positionals.length > 1 || (!component && !values.list)) {
    io.err(USAGE);
    return 2;
  }
  const base = (values.url ?? io.env['FAUXCLOUD_URL'] ?? 'http://127.0.0.1:4600').replace(/\/+$/, '');
  const get = async (path: string): Promise<Answer> => {
    const res = await io.fetch(`${base}/_fauxcloud${path}`);
    const body = (await res.json()) as Answer;
    if (!res.ok) throw new AnswerError(body.message ?? `HTTP ${res.status}`);
    return body;
  };
  try {
    if (!component) {
      for (const c of (await get('/config')).components ?? []) io.out(`${c.component.padEnd(40)} ${c.cloud.padEnd(10)} ${c.files.join(', ')}\n`);
      return 0;
    }
    const out = values.out === undefined ? undefined : resolve(values.out);
    const caFile = resolve(values['ca-file'] ?? (out ? join(out, 'fauxcloud-ca.pem') : join(tmpdir(), `fauxcloud-ca-${new URL(base).host.replace(/[^A-Za-z0-9.-]/g, '_')}.pem`)));
    const q = new URLSearchParams({ caFile });
    if (values['base-url']) q.set('url', values['base-url']);
    if (values.file) q.set('file', values.file);
    for (const s of values.set ?? []) q.append('set', s);
    for (const s of values.unset ?? []) q.append('unset', s);
    const answer = await get(`/config/${encodeURIComponent(component)}?${q}`);
    const files = answer.files ?? [];
    if (files.some((f) => f.text.includes(caFile))) {
      const ca = await io.fetch(`${base}/_fauxcloud/ca.pem`);
      if (!ca.ok) throw new Error(`GET /_fauxcloud/ca.pem: HTTP ${ca.status}`);
      mkdirSync(resolve(caFile, '..'), { recursive: true });
      writeFileSync(caFile, await ca.text());
    }
    if (out) {
      mkdirSync(out, { recursive: true });
      for (const f of files) {
        writeFileSync(join(out, f.name), f.text, { mode: 0o600 });
        io.out(`${join(out, f.name)}\n`);
      }
      io.err(`${answer.summary ?? ''}\n${(answer.notes ?? []).map((n) => `note: ${n}\n`).join('')}`);
      return 0;
    }
    const shown = values.file ? files.filter((f) => f.name === values.file) : files;
    for (const f of shown) io.out(shown.length > 1 ? `==> ${f.name} <==\n${f.text}\n` : f.text);
    return 0;
  } catch (e) {
    io.err(e instanceof AnswerError ? `fauxcloud config: ${e.message}\n` : `fauxcloud config: cannot ask ${base}: ${(e as Error).message}\n`);
    return 1;
  }
}

class AnswerError extends Error {}
