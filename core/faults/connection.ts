/**
 * Connection faults, done to the socket itself: reset (RST), hang until the client gives up, an
 * empty reply, a body that does not parse, a body trickled out slowly.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { WireReply } from '../cloud-api.js';
import type { ConnectionFault } from './types.js';

export function performConnectionFault(fault: ConnectionFault, req: FastifyRequest, reply: FastifyReply, answer: WireReply): void {
  const socket = req.raw.socket;
  switch (fault.kind) {
    case 'reset':
      reply.hijack();
      socket.resetAndDestroy();
      return;
    case 'empty':
      reply.hijack();
      socket.destroy();
      return;
    case 'hang': {
      reply.hijack();
      const timer = setTimeout(() => socket.destroy(), fault.ms);
      timer.unref();
      socket.once('close', () => clearTimeout(timer));
      return;
    }
    case 'malformed': {
      // The cloud's own content type and the first half of a real answer: it cannot parse.
      const body = String(answer.body);
      reply.code(200).headers(answer.headers).send(body.slice(0, Math.max(1, Math.floor(body.length / 2))));
      return;
    }
    case 'slow': {
      reply.hijack();
      const res = reply.raw;
      const body = Buffer.from(answer.body);
      res.writeHead(answer.status, { ...answer.headers, 'content-length': String(body.length) });
      const perTick = Math.max(1, Math.round(fault.bytesPerSecond / 10));
      let offset = 0;
      const timer = setInterval(() => {
        if (res.destroyed) return clearInterval(timer);
        res.write(body.subarray(offset, offset + perTick));
        offset += perTick;
        if (offset >= body.length) {
          clearInterval(timer);
          res.end();
        }
      }, 100);
      return;
    }
  }
}
