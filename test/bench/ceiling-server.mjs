#!/usr/bin/env node
// The ceiling: a bare fastify 5 server that answers every request with the bytes it was last
// given (`PUT /_ceiling`: the body, status and headers fauxcloud answered). It reads the request
// body like fauxcloud does (any content type, as a Buffer), then sends the stored Buffer: what is
// left of a request once building the answer costs nothing. Its own process, like fauxcloud.
import Fastify from 'fastify';

const app = Fastify({ logger: false, bodyLimit: 64 * 1024 * 1024 });
app.removeAllContentTypeParsers();
app.addContentTypeParser('*', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));

let answer = { status: 200, headers: { 'content-type': 'text/plain' }, body: Buffer.from('ceiling: nothing set yet\n') };

app.put('/_ceiling', async (req) => {
  const spec = JSON.parse(String(req.headers['x-ceiling'] ?? '{}'));
  answer = { status: spec.status ?? 200, headers: spec.headers ?? {}, body: req.body ?? Buffer.alloc(0) };
  return { bytes: answer.body.length };
});

app.all('/*', (_req, reply) => {
  reply.code(answer.status).headers(answer.headers).send(answer.body);
});

const address = await app.listen({ host: '127.0.0.1', port: 0 });
console.log(`ceiling ready http=${address}`);
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => app.close().then(() => process.exit(0)));
