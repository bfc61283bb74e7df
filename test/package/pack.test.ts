/**
 * The npm package as a new user gets it: `npm pack`, installed from the tarball into an empty
 * project (fresh dependency resolution, no lockfile of ours), then `npx fauxcloud` starts the
 * server with the shipped default scenario. The install must not warn that a dependency needs a
 * newer Node than the package promises.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..', '..');
const scratch = mkdtempSync(join(tmpdir(), 'fauxcloud-pack-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe('the npm package', () => {
  it('installs from its tarball and `npx fauxcloud` serves the default scenario', async () => {
    // dist/ is what `npm test` built; --ignore-scripts keeps `prepare` from rewriting it under
    // tests that are running it right now.
    execFileSync('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', scratch], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'], timeout: 300_000 });
    const tarball = readdirSync(scratch).find((f) => f.endsWith('.tgz'));
    expect(tarball).toMatch(/^fauxcloud-\d+\.\d+\.\d+\.tgz$/);
    const listing = execFileSync('tar', ['tzf', join(scratch, tarball!)], { encoding: 'utf8' }).split('\n');
    expect(listing).toContain('package/dist/core/cli.js');
    expect(listing).toContain('package/scenarios/default.yaml');
    expect(listing.filter((f) => f.startsWith('package/test/') || f.startsWith('package/node_modules/'))).toEqual([]);

    const app = join(scratch, 'app');
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'user-project', version: '1.0.0', private: true }));
    const install = spawnSync('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=warn', join(scratch, tarball!)], {
      cwd: app,
      encoding: 'utf8',
      timeout: 600_000,
    });
    expect(install.status, install.stderr).toBe(0);
    expect(`${install.stdout}${install.stderr}`).not.toMatch(/EBADENGINE/);

    // Its own process group: npx runs the server as a child, and the whole group is stopped below.
    const child = spawn('npx', ['--no-install', 'fauxcloud', '--port', '0', '--https-port', '0'], { cwd: app, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    try {
      const ready = await new Promise<string>((done, fail) => {
        let out = '';
        const timer = setTimeout(() => fail(new Error(`no ready line in 60 s: ${out}`)), 60_000);
        child.stdout.on('data', (c: Buffer) => {
          out += c.toString();
          const m = /fauxcloud ready http=(\S+)/.exec(out);
          if (m) {
            clearTimeout(timer);
            done(m[1]!);
          }
        });
        child.on('exit', (code) => fail(new Error(`exited ${code}: ${out}`)));
      });
      const health = (await (await fetch(`${ready}/_fauxcloud/health`)).json()) as { status: string; scenario: string; clouds: string[] };
      expect(health).toMatchObject({ status: 'ok', scenario: 'default' });
      expect(health.clouds).toEqual(expect.arrayContaining(['aws', 'gcp']));
    } finally {
      if (child.pid !== undefined) process.kill(-child.pid, 'SIGTERM');
    }
  }, 900_000);
});
