/**
 * fauxcloud as an operator runs it: the built CLI (`node dist/core/cli.js`, so `npm run build`
 * first) as a child process, its ready line parsed, stopped by a real signal.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { RunningServer } from '../../core/server.js';

const CLI = 'dist/core/cli.js';

export interface CliProcess {
  child: ChildProcess;
  httpUrl: string;
  stdout: () => string;
  stderr: () => string;
  /** Resolves with the exit code (or the signal's name). */
  exited: Promise<number | string>;
  /** What the SDK helpers take (they only read the URLs). */
  server: RunningServer;
}

/** Start the CLI; resolves at the ready line, rejects with its output if it exits first. */
export function startCli(args: string[], env: Record<string, string> = {}): Promise<CliProcess> {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  const child = spawn(process.execPath, [CLI, '--port', '0', '--https-port', '0', '--log-level', 'error', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '', err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? 'unknown')));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /fauxcloud ready http=(\S+)/.exec(out);
      if (m)
        resolve({
          child,
          httpUrl: m[1]!,
          stdout: () => out,
          stderr: () => err,
          exited,
          server: { httpUrl: m[1]! } as RunningServer,
        });
    });
    void exited.then((code) => reject(new Error(`fauxcloud exited (${code}) before it was ready:\n${out}${err}`)));
  });
}

/** Run the CLI to its exit (for start-up refusals). */
export async function runCliToExit(args: string[]): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, '--port', '0', '--https-port', '0', '--log-level', 'error', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  child.stdout.on('data', (d: Buffer) => {
    stdout += d.toString();
    // It started after all: stop it, the caller sees the ready line in stdout.
    if (stdout.includes('fauxcloud ready')) child.kill('SIGKILL');
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | string>((resolve) => child.on('exit', (c, s) => resolve(c ?? s ?? 'unknown')));
  return { code, stdout, stderr };
}

/** The admin API of a CLI process, optionally with the admin token. */
export function adminOf(url: string, token?: string) {
  return async <T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T; headers: Headers }> => {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token !== undefined) headers['authorization'] = `Bearer ${token}`;
    const res = await fetch(`${url}/_fauxcloud${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    return { status: res.status, body: (text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : text) as T, headers: res.headers };
  };
}
