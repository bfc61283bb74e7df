/**
 * The HTTPS forward proxy: any fauxcloud listener accepts `CONNECT host:port`, answers
 * `200 Connection Established` and serves the tunnel itself. A TLS tunnel is terminated with a
 * leaf certificate for the SNI name (or the CONNECT host, for IP literals that carry no SNI)
 * minted from fauxcloud's CA; a tunnel whose first byte is not a TLS handshake is plain HTTP.
 * Either way the decrypted stream is handed to an HTTP server of the app as a new connection, so
 * requests keep their real `Host` header and take the one way through (dispatch, journal,
 * faults, keep-alive) as if they had come to fauxcloud's own port.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import { Duplex } from 'node:stream';
import type { TlsMaterial } from '../tls.js';
import { LeafContexts } from './certs.js';
import { isHostName, parseConnectTarget, type ConnectTarget } from './target.js';

/** A tunnel that says nothing (or never finishes its handshake) this long is closed. */
const IDLE_MS = 60_000;
const TLS_HANDSHAKE = 0x16;

/** Where a tunnelled connection came from: the journal records the host, unknown hosts are named. */
const tunnelled = new WeakMap<object, ConnectTarget>();

/** The CONNECT target a request's socket was tunnelled to, if it came through the proxy. */
export function tunnelTarget(socket: unknown): ConnectTarget | undefined {
  return typeof socket === 'object' && socket !== null ? tunnelled.get(socket) : undefined;
}

interface Logger {
  warn(obj: object, msg: string): void;
}

export class HttpsProxy {
  private readonly open = new Set<Duplex>();
  private readonly leaves: LeafContexts | undefined;

  constructor(tls: TlsMaterial | undefined, private readonly log: Logger) {
    this.leaves = tls?.issue ? new LeafContexts(tls) : undefined;
  }

  /**
   * Accept CONNECT on `front`; tunnels become connections of `back` (the server whose handler
   * serves them: the app's HTTP server, or a pinned listener, whose headers then apply).
   */
  attach(front: Server, back: Server = front): void {
    front.on('connect', (req: IncomingMessage, socket: Duplex, head: Buffer) => this.accept(req, socket as Socket, head, back));
  }

  /** Close every tunnel (open tunnels must not keep a closing server waiting). */
  closeAll(): void {
    for (const s of this.open) s.destroy();
    this.open.clear();
  }

  get tunnels(): number {
    return this.open.size;
  }

  private track(s: Duplex): void {
    this.open.add(s);
    s.once('close', () => this.open.delete(s));
  }

  private accept(req: IncomingMessage, socket: Socket, head: Buffer, back: Server): void {
    this.track(socket);
    socket.on('error', () => socket.destroy());
    const target = parseConnectTarget(req.url);
    if (!target) {
      refuse(socket, 400, 'Bad Request', `fauxcloud proxy: CONNECT needs host:port, got ${JSON.stringify(req.url ?? '')}`);
      return;
    }
    if (!this.leaves && target.port === 443) {
      refuse(socket, 502, 'Bad Gateway', `fauxcloud proxy: HTTPS is off (--https-port off), so there is no CA to answer TLS for ${target.host}`);
      return;
    }
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    if (head.length > 0) socket.unshift(head);
    socket.setTimeout(IDLE_MS, () => socket.destroy());
    // The first byte tells TLS from plain HTTP (a CONNECT to port 80, or any port).
    socket.once('data', (chunk: Buffer) => {
      socket.pause();
      socket.unshift(chunk);
      if (chunk[0] !== TLS_HANDSHAKE) {
        socket.setTimeout(0);
        // Through a JS stream, so the HTTP parser reads the byte we peeked at (handed the socket
        // itself, it would read the kernel socket directly and miss it).
        const plain = Duplex.from({ readable: socket, writable: socket });
        this.track(plain);
        plain.on('error', () => plain.destroy());
        plain.once('close', () => socket.destroy());
        tunnelled.set(plain, target);
        back.emit('connection', plain);
        return;
      }
      this.terminateTls(socket, target, back).catch((err: unknown) => {
        this.log.warn({ err, host: target.host }, 'proxy: cannot terminate TLS');
        socket.destroy();
      });
    });
  }

  private async terminateTls(socket: Socket, target: ConnectTarget, back: Server): Promise<void> {
    const leaves = this.leaves;
    if (!leaves) throw new Error('HTTPS is off, so there is no CA to answer TLS tunnels with');
    const first = await leaves.get(target.host);
    if (socket.destroyed) return;
    const tls = new TLSSocket(socket, {
      isServer: true,
      secureContext: first,
      // The name the client verifies is its SNI (clients send none for IP literals: then the
      // CONNECT host's certificate above answers).
      SNICallback: (servername: string, cb: (err: Error | null, ctx?: SecureContext) => void) => {
        const name = servername.toLowerCase();
        if (name === target.host || !isHostName(name)) return cb(null, first);
        leaves.get(name).then((ctx) => cb(null, ctx), (err: Error) => cb(err));
      },
    });
    this.track(tls);
    tls.on('error', () => tls.destroy());
    tls.once('secure', () => {
      socket.setTimeout(0);
      tunnelled.set(tls, { ...target, host: tls.servername || target.host });
      back.emit('connection', tls);
    });
  }
}

function refuse(socket: Socket, status: number, reason: string, message: string): void {
  const body = JSON.stringify({ error: reason.replace(/ /g, ''), message });
  socket.end(`HTTP/1.1 ${status} ${reason}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}
