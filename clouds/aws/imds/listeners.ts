/**
 * Per-instance IMDS ports, on core's pinned listeners. Real components (the EBS node plugin, the
 * CCM) reach IMDS at a fixed endpoint and cannot send a header saying which instance they are, so
 * each instance can get a port of its own (`AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:<port>`).
 * These routes check the instance exists and speak in instance ids; the port is core's.
 */
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
  const imdsPorts = () =>
    engine.pinned
      .list()
      .filter((l) => l.headers[INSTANCE_HEADER] !== undefined)
      .map((l) => ({ instanceId: l.headers[INSTANCE_HEADER]!, port: l.port, endpoint: l.endpoint }));

  app.post<{ Body: Static<typeof Open> }>(
    '/_fauxcloud/aws/imds',
    { schema: { tags: ['aws'], summary: 'Serve IMDS for one instance on a port of its own', body: Open, response: { 200: Listener } } },
    async (req, reply) => {
      const { instanceId, port, host } = req.body;
      const known = engine.store.tenants().some((t) => t.cloud === 'aws' && t.collection(T.instance).has(instanceId));
      if (!known) return reply.code(404).send({ error: 'NotFound', message: `no instance ${instanceId}` });
      const l = await engine.pinned.add({ [INSTANCE_HEADER]: instanceId }, port, host);
      return { instanceId, port: l.port, endpoint: l.endpoint };
    },
  );
  app.get('/_fauxcloud/aws/imds', { schema: { tags: ['aws'], response: { 200: Type.Array(Listener) } } }, async () => imdsPorts());
  app.delete<{ Params: { port: number } }>(
    '/_fauxcloud/aws/imds/:port',
    { schema: { tags: ['aws'], params: Type.Object({ port: Type.Integer() }), response: { 200: Type.Object({ closed: Type.Boolean() }) } } },
    async (req) => ({ closed: imdsPorts().some((p) => p.port === req.params.port) && (await engine.pinned.remove(req.params.port)) }),
  );
}
