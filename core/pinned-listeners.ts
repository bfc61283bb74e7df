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
  /** Set when a listener saved with the state could not listen again at start (its port is taken). */
  unavailable?: string;
}

/** What the state document keeps of a listener, to open it again after a restart. */
export interface SavedListener {
  port: number;
  host: string;
  headers: Record<string, string>;
}

type Handler = (req: IncomingMessage, res: ServerResponse) => void;

export class PinnedListeners {
  private handler: Handler | undefined;
  private onServer: ((server: Server) => void) | undefined;
  private readonly open = new Map<number, { server: Server; listener: PinnedListener; host: string }>();
  /** Saved listeners whose port could not be had again: listed with the reason, kept for the next start. */
  private readonly failed = new Map<number, { listener: PinnedListener; host: string }>();

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
    this.failed.delete(actual);
    this.open.set(actual, { server, listener, host });
    return listener;
  }

  list(): PinnedListener[] {
    return [...this.open.values(), ...this.failed.values()].map((o) => o.listener).sort((a, b) => a.port - b.port);
  }

  /** For the state document: every listener, those that could not listen again included. */
  saved(): SavedListener[] {
    return [...this.open.values(), ...this.failed.values()].map((o) => ({ port: o.listener.port, host: o.host, headers: { ...o.listener.headers } })).sort((a, b) => a.port - b.port);
  }

  /**
   * At start with `--data-dir`: listen again on each saved port. A port another process holds is
   * no reason to refuse to start: the listener is listed as unavailable with why, and `log` says so.
   */
  async restore(saved: readonly SavedListener[], log: (msg: string) => void): Promise<void> {
    for (const s of saved) {
      try {
        const l = await this.add(s.headers, s.port, s.host);
        log(`pinned listener ${l.endpoint} (${Object.entries(l.headers).map(([k, v]) => `${k}: ${v}`).join(', ')}) listens again`);
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
        const why = `cannot listen again on ${s.host}:${s.port} (${code}${code === 'EADDRINUSE' ? ': another process holds the port' : ''}); DELETE /_fauxcloud/listeners/${s.port} forgets it`;
        log(`pinned listener: ${why}`);
        const endpoint = `http://${s.host.includes(':') ? `[${s.host}]` : s.host}:${s.port}`;
        this.failed.set(s.port, { listener: { port: s.port, endpoint, headers: { ...s.headers }, unavailable: why }, host: s.host });
      }
    }
  }

  async remove(port: number): Promise<boolean> {
    if (this.failed.delete(port)) return true;
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
