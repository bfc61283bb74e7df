/**
 * Per-instance IMDS ports. Real components (the EBS node plugin, the CCM) reach IMDS at a fixed
 * endpoint and cannot send a header saying which instance they are, so each instance can get a
 * port of its own (`AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:<port>`). The port serves the
 * whole app with the instance pinned, so the journal and fault gate see these requests too.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { Type, type Static } from '@sinclair/typebox';
import type { Engine } from '../../../core/engine.js';
import { T } from '../ec2/records.js';
import { INSTANCE_HEADER } from './service.js';

const Open = Type.Object(
  {
    instanceId: Type.String({ pattern: '^i-[0-9a-f]{8,17}$' }),
    port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535, description: '0 or absent picks a free port' })),
    host: Type.Optional(Type.String({ description: 'default 127.0.0.1' })),
  },
  { additionalProperties: false },
);
const Listener = Type.Object({ instanceId: Type.String(), port: Type.Integer(), endpoint: Type.String() });

export async function imdsListenerRoutes(app: FastifyInstance, engine: Engine): Promise<void> {
  const open = new Map<number, { instanceId: string; server: Server; endpoint: string }>();
  const list = () => [...open.entries()].map(([port, l]) => ({ instanceId: l.instanceId, port, endpoint: l.endpoint }));

  app.post<{ Body: Static<typeof Open> }>(
    '/_fauxcloud/aws/imds',
    { schema: { tags: ['aws'], summary: 'Serve IMDS for one instance on a port of its own', body: Open, response: { 200: Listener } } },
    async (req, reply) => {
      const { instanceId, port = 0, host = '127.0.0.1' } = req.body;
      const known = engine.store.tenants().some((t) => t.cloud === 'aws' && t.collection(T.instance).has(instanceId));
      if (!known) return reply.code(404).send({ error: 'NotFound', message: `no instance ${instanceId}` });
      const server = createServer((rq, rs) => {
        rq.headers[INSTANCE_HEADER] = instanceId;
        app.routing(rq, rs);
      });
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve());
      });
      const actual = (server.address() as AddressInfo).port;
      const endpoint = `http://${host.includes(':') ? `[${host}]` : host}:${actual}`;
      open.set(actual, { instanceId, server, endpoint });
      return { instanceId, port: actual, endpoint };
    },
  );
  app.get('/_fauxcloud/aws/imds', { schema: { tags: ['aws'], response: { 200: Type.Array(Listener) } } }, async () => list());
  app.delete<{ Params: { port: number } }>(
    '/_fauxcloud/aws/imds/:port',
    { schema: { tags: ['aws'], params: Type.Object({ port: Type.Integer() }), response: { 200: Type.Object({ closed: Type.Boolean() }) } } },
    async (req) => {
      const l = open.get(req.params.port);
      if (l) {
        open.delete(req.params.port);
        await new Promise<void>((resolve) => l.server.close(() => resolve()));
      }
      return { closed: l !== undefined };
    },
  );
  app.addHook('onClose', async () => {
    await Promise.all([...open.values()].map((l) => new Promise<void>((resolve) => l.server.close(() => resolve()))));
    open.clear();
  });
}
