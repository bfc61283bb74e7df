/**
 * fauxcloud's own log. Fastify is given no logger of its own: with one, it makes a child logger
 * for every request and hangs a 'finish' and an 'error' listener on every response to time its
 * request log, which fauxcloud turns off (the journal records every request instead); that cost
 * more per small answer than identifying the cloud. Every request gets this logger as `req.log`
 * (messages carry the request id where it matters), and so do fastify's own warnings on a reply.
 */
import { pino, type Logger } from 'pino';
import type { FastifyBaseLogger, FastifyServerOptions } from 'fastify';

/** Fastify's serializers (lib/logger-pino.js), so a logged request or reply reads as it did. */
const serializers = {
  err: pino.stdSerializers.err,
  req: (req: { method?: string; url?: string; headers?: Record<string, unknown>; host?: string; ip?: string; socket?: { remotePort?: number } }) => ({
    method: req.method,
    url: req.url,
    version: req.headers?.['accept-version'],
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  }),
  res: (reply: { statusCode?: number }) => ({ statusCode: reply.statusCode }),
};

export function serverLogger(level: string): Logger {
  return pino({ level, serializers });
}

/** The fastify options that hand every request `log` without a per-request logger. */
export function requestLogging(log: FastifyBaseLogger): Pick<FastifyServerOptions, 'logger' | 'childLoggerFactory'> {
  return { logger: false, childLoggerFactory: () => log };
}
