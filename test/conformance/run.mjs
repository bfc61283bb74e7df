#!/usr/bin/env node
// Runs every Go conformance module under test/conformance/*/ (a directory with
// a go.mod) with `go test`. Exits with the first failing module's code.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..');

const probe = spawnSync('go', ['version'], { encoding: 'utf8' });
if (probe.error || probe.status !== 0) {
  console.error(
    'conformance: cannot run the conformance suites: `go` is not on PATH ' +
      `(${probe.error ? probe.error.message : probe.stderr.trim()}). ` +
      'Install Go (see go.mod in each module for the version) and retry.',
  );
  process.exit(2);
}

const modules = readdirSync(here, { withFileTypes: true })
  .filter((d) => d.isDirectory() && existsSync(join(here, d.name, 'go.mod')))
  .map((d) => join(here, d.name))
  .sort();

if (modules.length === 0) {
  console.error(`conformance: no Go modules found under ${relative(repoRoot, here) || here}`);
  process.exit(2);
}

if (!existsSync(join(repoRoot, 'dist', 'core', 'cli.js')) && !process.env.FAUXCLOUD_URL) {
  console.error('conformance: dist/core/cli.js is missing; run `npm run build` first (or set FAUXCLOUD_URL).');
  process.exit(2);
}

// GOTOOLCHAIN=local unless the caller chose otherwise (.ci/run may let Go fetch its toolchain from the module proxy).
const env = { ...process.env, GOFLAGS: '-mod=mod', GOTOOLCHAIN: process.env.GOTOOLCHAIN ?? 'local' };
let firstFailure = 0;
for (const dir of modules) {
  console.log(`conformance: go test ./... in ${relative(repoRoot, dir)} (${probe.stdout.trim()})`);
  // go test stops a package after 10 minutes by default; csi-sanity twice on a slow machine comes close.
  const r = spawnSync('go', ['test', '-count=1', '-p', '2', '-timeout', '30m', './...'], { cwd: dir, env, stdio: 'inherit' });
  const code = r.error ? 1 : (r.status ?? 1);
  if (r.error) console.error(`conformance: could not run go test in ${dir}: ${r.error.message}`);
  if (r.signal) console.error(`conformance: go test in ${dir} was killed by ${r.signal}`);
  console.log(`conformance: ${relative(repoRoot, dir)} ${code === 0 ? 'passed' : `FAILED (exit ${code})`}`);
  if (code !== 0 && firstFailure === 0) firstFailure = code;
}
process.exit(firstFailure);
