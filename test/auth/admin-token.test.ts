/**
 * `--admin-token`: the admin API answers only callers that present it, except health (readiness
 * probes) and ca.pem (public by nature). Cloud APIs are not affected by it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningServer } from '../../core/server.js';
import { adminOf } from '../helpers/cli.js';
import { startFauxcloud } from '../helpers/fauxcloud.js';

let server: RunningServer;
beforeAll(async () => {
  server = await startFauxcloud({ adminToken: 's3cret-admin', httpsPort: 0 });
});
afterAll(async () => server?.close());

describe('admin token', () => {
  it('wants the token on the admin API, as a bearer token', async () => {
    const anonymous = adminOf(server.httpUrl);
    const wrong = adminOf(server.httpUrl, 's3cret-admiN');
    const right = adminOf(server.httpUrl, 's3cret-admin');
    for (const [method, path, body] of [['GET', '/state'], ['POST', '/reset', {}], ['PUT', '/faults', []], ['GET', '/openapi.json']] as const) {
      const refused = await anonymous(method, path, body);
      expect(refused.status, `${method} ${path}`).toBe(401);
      expect(refused.headers.get('www-authenticate')).toBe('Bearer realm="fauxcloud admin"');
      expect((await wrong(method, path, body)).status).toBe(401);
      expect((await right(method, path, body)).status, `${method} ${path}`).toBe(200);
    }
  });

  it('leaves health and the CA certificate open', async () => {
    const anonymous = adminOf(server.httpUrl);
    expect((await anonymous('GET', '/health')).status).toBe(200);
    const ca = await anonymous('GET', '/ca.pem');
    expect(ca.status).toBe(200);
    expect(String(ca.body)).toContain('BEGIN CERTIFICATE');
  });
});
