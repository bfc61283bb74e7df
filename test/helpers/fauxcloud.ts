/** Start a fauxcloud on port 0 for one test file, and clients pointed at it. */
import { EC2Client } from '@aws-sdk/client-ec2';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { allClouds } from '../../clouds/index.js';
import type { Settings } from '../../core/config.js';
import { startServer, type RunningServer } from '../../core/server.js';

export async function startFauxcloud(overrides: Partial<Settings> = {}): Promise<RunningServer> {
  return startServer(
    {
      host: '127.0.0.1',
      port: 0,
      httpsPort: undefined,
      scenario: 'default',
      seed: '42',
      dataDir: undefined,
      tlsNames: [],
      logLevel: 'error',
      ...overrides,
    },
    allClouds,
  );
}

export function ec2Client(server: RunningServer, opts: { region?: string; accessKeyId?: string } = {}): EC2Client {
  return new EC2Client({
    endpoint: server.httpUrl,
    region: opts.region ?? 'us-east-1',
    credentials: { accessKeyId: opts.accessKeyId ?? 'AKIDFAUXCLOUDTEST', secretAccessKey: 'fauxcloud' },
    // Tests assert what fauxcloud answers, not what the retryer makes of it.
    maxAttempts: 1,
  });
}

/** The admin API, as a test calls it. */
export function admin(server: RunningServer) {
  const call = async <T = unknown>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${server.httpUrl}/_fauxcloud${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text.startsWith('{') || text.startsWith('[') ? JSON.parse(text) : text) as T };
  };
  return {
    get: <T = unknown>(path: string) => call<T>('GET', path),
    post: <T = unknown>(path: string, body: unknown = {}) => call<T>('POST', path, body),
    put: <T = unknown>(path: string, body: unknown) => call<T>('PUT', path, body),
    delete: <T = unknown>(path: string) => call<T>('DELETE', path),
  };
}

/** A raw EC2 query request (for what the SDK would never send: unknown actions, malformed input). */
export async function rawEc2(server: RunningServer, form: string, region = 'us-east-1'): Promise<{ status: number; text: string }> {
  const res = await fetch(`${server.httpUrl}/`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      authorization: `AWS4-HMAC-SHA256 Credential=AKIDFAUXCLOUDTEST/20261125/${region}/ec2/aws4_request, SignedHeaders=host;x-amz-date, Signature=00`,
    },
    body: form,
  });
  return { status: res.status, text: await res.text() };
}

/** Poll until `check` holds (a waiter in a test's own terms); fails with the last value seen. */
export async function until<T>(read: () => Promise<T>, check: (v: T) => boolean, timeoutMs = 10_000, everyMs = 100): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last = await read();
  while (!check(last)) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, everyMs));
    last = await read();
  }
  return last;
}

/**
 * One fauxcloud per test file: started before the file's tests, closed after, and before each
 * test put back to the default scenario with instant lifecycle steps.
 */
export function useFauxcloud(onStart: (server: RunningServer) => void, overrides: Partial<Settings> = {}): void {
  let server: RunningServer | undefined;
  beforeAll(async () => {
    server = await startFauxcloud(overrides);
    onStart(server);
  });
  afterAll(async () => server?.close());
  beforeEach(async () => {
    await admin(server!).put('/lifecycle', {});
    await admin(server!).post('/reset');
  });
}
