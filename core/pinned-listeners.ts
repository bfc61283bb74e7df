/**
 * Pinned listeners: extra ports that serve the whole app with some request headers fixed. Real
 * components reach an instance metadata service at a fixed endpoint and cannot say which instance
 * they are; a port of their own with `X-Fauxcloud-Instance…` pinned answers for one instance, and
 * the journal and fault gate see those requests like any other. Any cloud can use it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface PinnedListener {
  port: number;
  endpoint: string;
  headers: Readonly<Record<string, string>>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export class PinnedListeners {
  private handler: Handler | undefined;
  private onServer: ((server: Server) => void) | undefined;
  private readonly open = new Map<number, { server: Server; listener: PinnedListener }>();

  /** The app's request handler, once the app exists; `onServer` sees each new listener (the proxy accepts CONNECT on it). */
  attach(handler: Handler, onServer?: (server: Server) => void): void {
    this.handler = handler;
    this.onServer = onServer;
  }

  async add(headers: Readonly<Record<string, string>>, port = 0, host = '127.0.0.1'): Promise<PinnedListener> {
    const handler = this.handler;
    if (!handler) throw new Error('pinned listeners are not attached to the app yet');
    for (const [k, v] of Object.entries(headers))
      if (!/^[A-Za-z0-9-]+$/.test(k) || /[\r\n]/.test(v)) throw new RangeError(`not a valid HTTP header: ${JSON.stringify(k)}`);
    const pinned = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    const server = createServer((req, res) => {
      Object.assign(req.headers, pinned);
      handler(req, res);
    });
    this.onServer?.(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => resolve());
    });
    const actual = (server.address() as AddressInfo).port;
    const listener: PinnedListener = { port: actual, endpoint: `http://${host.includes(':') ? `[${host}]` : host}:${actual}`, headers: pinned };
    this.open.set(actual, { server, listener });
    return listener;
  }

  list(): PinnedListener[] {
    return [...this.open.values()].map((o) => o.listener);
  }

  async remove(port: number): Promise<boolean> {
    const o = this.open.get(port);
    if (!o) return false;
    this.open.delete(port);
    await new Promise<void>((resolve) => o.server.close(() => resolve()));
    return true;
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.open.keys()].map((p) => this.remove(p)));
  }
}
