// The ceiling leg: beside each list/get phase, the same autocannon request against a bare
// fastify 5 route (ceiling-server.mjs) that sends the very bytes fauxcloud answered (body,
// status and headers, taken from one fresh answer). ratio = fauxcloud req/s / ceiling req/s:
// the share of the physical limit fauxcloud reaches; 1 - ratio is what building the answer costs.

const HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'content-length', 'date']);

/** One fresh answer to `request` (runLoad's options), as bytes and headers. */
export async function answerOf(request) {
  const res = await fetch(`${request.url.replace(/\/$/, '')}${request.path ?? '/'}`, {
    method: request.method ?? 'POST',
    headers: request.headers,
    body: request.body,
    signal: AbortSignal.timeout(10_000),
  });
  const headers = {};
  for (const [k, v] of res.headers) if (!HOP.has(k)) headers[k] = v;
  return { status: res.status, headers, body: Buffer.from(await res.arrayBuffer()) };
}

/** Makes the ceiling server send `answer` from now on. */
export async function setCeiling(ceilingUrl, answer) {
  const res = await fetch(`${ceilingUrl.replace(/\/$/, '')}/_ceiling`, {
    method: 'PUT',
    headers: { 'content-type': 'application/octet-stream', 'x-ceiling': JSON.stringify({ status: answer.status, headers: answer.headers }) },
    body: answer.body,
    signal: AbortSignal.timeout(10_000),
  });
  if (res.status !== 200) throw new Error(`ceiling server answered ${res.status} to PUT /_ceiling`);
  await res.arrayBuffer();
}

/**
 * The ceiling twin of a load.mjs phase: the same request sent to `ceilingUrl`, whose
 * sample must be byte for byte the answer fauxcloud gave. Resolves to { phase, bytes }.
 */
export async function ceilingPhase(ceilingUrl, request) {
  const answer = await answerOf(request);
  await setCeiling(ceilingUrl, answer);
  const twin = { ...request, url: ceilingUrl, label: `ceiling ${request.label ?? ''}` };
  return {
    bytes: answer.body.length,
    status: answer.status,
    phase: {
      request: twin,
      sample: async () => {
        const a = await answerOf(twin);
        return { status: a.status, body: a.body };
      },
      judge: (a) => (a.status !== answer.status ? `ceiling answered ${a.status}` : a.body.equals(answer.body) ? undefined : 'ceiling answer differs from the bytes it was given'),
    },
  };
}
