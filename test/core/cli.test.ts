/** The CLI as a user runs it: flags and env, port 0, the ready line, and refusing a bad scenario. */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveSettings } from '../../core/config.js';

const CLI = ['--import', 'tsx', 'core/cli.ts'];

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string; kill: () => void }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [...CLI, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    const done = (code: number | null) => resolve({ code, stdout, stderr, kill: () => child.kill() });
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
      if (stdout.includes('fauxcloud ready')) done(null);
    });
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => done(code));
  });
}

describe('settings', () => {
  it('takes flags over env over defaults', () => {
    expect(resolveSettings([], {})).toMatchObject({ host: '127.0.0.1', port: 4600, httpsPort: 4601, scenario: 'default', seed: '0' });
    expect(resolveSettings(['--port', '0'], { FAUXCLOUD_PORT: '9', FAUXCLOUD_HTTPS_PORT: 'off', FAUXCLOUD_SEED: 's' })).toMatchObject({ port: 0, httpsPort: undefined, seed: 's' });
    expect(() => resolveSettings(['--port', 'eighty'], {})).toThrow(/port number/);
    expect(() => resolveSettings(['--colour', 'blue'], {})).toThrow();
  });

  it('reads the auth, admin-token and state settings', () => {
    expect(resolveSettings([], {})).toMatchObject({ auth: undefined, adminToken: undefined, freshState: false, stateDebounceMs: 200 });
    expect(resolveSettings(['--auth', 'strict', '--fresh-state', '--state-debounce', '50'], { FAUXCLOUD_ADMIN_TOKEN: 't' })).toMatchObject({ auth: 'strict', adminToken: 't', freshState: true, stateDebounceMs: 50 });
    expect(resolveSettings([], { FAUXCLOUD_AUTH: 'off', FAUXCLOUD_FRESH_STATE: '1' })).toMatchObject({ auth: 'off', freshState: true });
    expect(() => resolveSettings(['--auth', 'lenient'], {})).toThrow(/--auth must be one of off, strict/);
    expect(() => resolveSettings(['--state-debounce', 'soon'], {})).toThrow(/--state-debounce/);
  });
});

describe('fauxcloud CLI', () => {
  it('starts on free ports and prints where it listens', async () => {
    const r = await run(['--port', '0', '--https-port', '0']);
    try {
      const m = /fauxcloud ready http=(http:\/\/127\.0\.0\.1:\d+) https=(https:\/\/127\.0\.0\.1:\d+)/.exec(r.stdout);
      expect(m).not.toBeNull();
      const health = await (await fetch(`${m![1]}/_fauxcloud/health`)).json();
      expect(health).toMatchObject({ status: 'ok', scenario: 'default' });
    } finally {
      r.kill();
    }
  });

  it('refuses to start with a bad scenario, naming the line and field', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'fauxcloud-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'name: bad\nlifecycle:\n  aws.ec2.volume:\n    creating: { delay: { ms: fast } }\n');
    const r = await run(['--port', '0', '--https-port', 'off', '--scenario', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('line 4: lifecycle.aws.ec2.volume.creating');
    expect(r.stdout).not.toContain('ready');
  });

  it('refuses an unknown shipped scenario name', async () => {
    const r = await run(['--port', '0', '--https-port', 'off'], { FAUXCLOUD_SCENARIO: 'no-such-drill' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no shipped scenario named 'no-such-drill'");
  });
});
