/**
 * docker-compose.yml as `docker compose up` (or Debian's `docker-compose`) reads it: the file must
 * stay valid for Compose, publish the ports the image listens on, mount the data volume the
 * image declares, and hand fauxcloud only settings it understands. Needs no engine; skips with
 * the reason when no Compose is installed (`.ci/run` installs Debian's docker-compose).
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { resolveSettings } from '../../core/config.js';

const root = resolve(import.meta.dirname, '..', '..');

/** The Compose command that works here: the v2 plugin, else the v1 program. */
function compose(): string[] | undefined {
  for (const cmd of [['docker', 'compose'], ['docker-compose']]) {
    const r = spawnSync(cmd[0]!, [...cmd.slice(1), 'version'], { encoding: 'utf8', timeout: 30_000 });
    if (!r.error && r.status === 0) return cmd;
  }
  return undefined;
}

const cmd = compose();
if (!cmd) console.log('compose test skipped: neither `docker compose` nor `docker-compose` is installed (apt-get install docker-compose)');

interface Service {
  build?: unknown;
  image?: string;
  ports?: ({ published: number | string; target: number } | string)[];
  environment?: Record<string, string>;
  volumes?: (string | { source: string; target: string })[];
}

function config(env: Record<string, string> = {}): { services: Record<string, Service>; volumes?: Record<string, unknown> } {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('FAUXCLOUD_')));
  const r = spawnSync(cmd![0]!, [...cmd!.slice(1), '-f', 'docker-compose.yml', 'config'], { cwd: root, encoding: 'utf8', env: { ...clean, ...env }, timeout: 60_000 });
  expect(r.stderr.replace(/^.*(WARN|level=warning).*$/gm, '').trim(), 'compose config stderr').toBe('');
  expect(r.status).toBe(0);
  return parseYaml(r.stdout) as { services: Record<string, Service>; volumes?: Record<string, unknown> };
}

const targets = (s: Service) => (s.ports ?? []).map((p) => (typeof p === 'string' ? Number(p.split(':').pop()) : Number(p.target))).sort();

describe.skipIf(!cmd)('docker-compose.yml', () => {
  it('is accepted by compose config and runs the image the Dockerfile builds, on its ports and volume', () => {
    const doc = config();
    const svc = doc.services['fauxcloud'];
    expect(svc, 'service fauxcloud').toBeDefined();
    expect(svc!.build).toBeDefined();
    const dockerfile = readFileSync(join(root, 'Dockerfile'), 'utf8');
    const exposed = /^EXPOSE (.+)$/m.exec(dockerfile)![1]!.split(/\s+/).map(Number).sort();
    expect(targets(svc!)).toEqual(exposed);
    const volume = /^VOLUME (\S+)$/m.exec(dockerfile)![1]!;
    const mounts = (svc!.volumes ?? []).map((v) => (typeof v === 'string' ? v.split(':')[1] : v.target));
    expect(mounts).toContain(volume);
  });

  it('passes settings fauxcloud understands, with their defaults and the overrides the user exports', () => {
    const defaults = config().services['fauxcloud']!.environment!;
    expect(defaults).toMatchObject({ FAUXCLOUD_SCENARIO: 'default', FAUXCLOUD_SEED: '0' });
    for (const k of Object.keys(defaults)) expect(k).toMatch(/^FAUXCLOUD_/);
    const settings = resolveSettings([], { ...defaults, FAUXCLOUD_PORT: '0', FAUXCLOUD_HTTPS_PORT: 'off' });
    expect(settings.scenario).toBe('default');
    expect(settings.tlsNames).toEqual(['fauxcloud']);
    const over = config({ FAUXCLOUD_SCENARIO: 'ha-zones', FAUXCLOUD_SEED: '42' }).services['fauxcloud']!.environment!;
    expect(over).toMatchObject({ FAUXCLOUD_SCENARIO: 'ha-zones', FAUXCLOUD_SEED: '42' });
  });
});
