// autocannon wrapper: one bounded, closed-loop load phase against one request
// (EC2 query or Compute Engine REST alike: the caller builds the request).
// Latency percentiles are computed from autocannon's per-response hrtime
// durations (float ms), because its own histogram has 1 ms resolution, which
// is too coarse for sub-millisecond answers.
//
// Connection handling: autocannon assumes keep-alive and writes the next
// request the moment a response completes. moto's server (Werkzeug dev
// server) answers every request with `Connection: close`; a request written
// onto that closing socket is swallowed and the connection then hangs until
// autocannon's 10 s timeout, so plain autocannon measures ~1 request per
// connection. honourConnectionClose() makes each autocannon client behave like
// an ordinary HTTP client (Go net/http, the AWS SDKs): when a response says
// `Connection: close` (or is HTTP/1.0 without keep-alive), the next request
// goes on a fresh connection. For a keep-alive server (fauxcloud) it is a
// no-op. The same client code runs against every server; the new TCP
// handshake is counted in the latency of the request that needed it, as a
// real client would see it.

import autocannon from 'autocannon';

/** autocannon `setupClient` hook; see the header comment. Relies on autocannon 8 internals. */
const honourConnectionClose = (stats) => (client) => {
  for (const m of ['_doRequest', '_destroyConnection', '_connect']) {
    if (typeof client[m] !== 'function') throw new Error(`autocannon internals changed: Client.${m} missing`);
  }
  let reconnect = false;
  client.on('headers', (info) => { reconnect = info && info.shouldKeepAlive === false; });
  const doRequest = client._doRequest;
  client._doRequest = function (...args) {
    if (reconnect && !this.destroyed) {
      reconnect = false;
      stats.reconnects++;
      this._destroyConnection(); // drops the closing socket (no 'end' -> no double reconnect)
      this._connect(); // connects and sends the request (via _doRequest) on the new socket
      return undefined;
    }
    return doRequest.apply(this, args);
  };
};

/** Nearest-rank percentile of an ascending-sorted Float64Array. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return undefined;
  const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
  return sorted[Math.min(rank, sorted.length) - 1];
}

/**
 * Runs autocannon for `seconds` with `connections` concurrent connections
 * (closed loop: one request in flight per connection), each sending
 * `method` `url` + `path` with `headers` and `body`, or, when `makeBody` is
 * given, a body it builds for every request (autocannon's `setupRequest`
 * hook, called once per request: a new disk name each time). `reconnects`
 * counts connections re-opened after a `Connection: close` answer. Never runs
 * longer than seconds + 30 s (watchdog); `label` names the request in that error.
 * Resolves to { reconnects, reqPerSec, p50Ms, p99Ms, total, ok2xx, non2xx, errors, timeouts, durationS, statusCodes }.
 */
export function runLoad({
  url, method = 'POST', path = '/', headers, body, makeBody, label = `${method} ${path}`, seconds, connections, collectLatency = true,
}) {
  const latencies = [];
  const stats = { reconnects: 0 };
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (fn, value) => { if (!settled) { settled = true; clearTimeout(watchdog); fn(value); } };

    const instance = autocannon(
      {
        url: `${url.replace(/\/$/, '')}${path}`,
        method,
        headers,
        ...(makeBody ? { requests: [{ setupRequest: (req) => ({ ...req, body: makeBody() }) }] } : { body }),
        duration: seconds,
        connections,
        timeout: 10, // per request, seconds
        setupClient: honourConnectionClose(stats),
      },
      (err, res) => {
        if (err) return settle(reject, err);
        const sorted = Float64Array.from(latencies).sort();
        settle(resolve, {
          reconnects: stats.reconnects,
          reqPerSec: res.requests.average,
          p50Ms: percentile(sorted, 50),
          p99Ms: percentile(sorted, 99),
          total: res.requests.total,
          ok2xx: res['2xx'],
          non2xx: res.non2xx,
          errors: res.errors,
          timeouts: res.timeouts,
          durationS: res.duration,
          statusCodes: Object.fromEntries(Object.entries(res.statusCodeStats ?? {}).map(([k, v]) => [k, v.count])),
        });
      },
    );

    if (collectLatency) {
      instance.on('response', (_client, statusCode, _bytes, responseTimeMs) => {
        if (statusCode >= 200 && statusCode < 300) latencies.push(responseTimeMs);
      });
    }

    const watchdog = setTimeout(() => {
      try { instance.stop(); } catch { /* ignore */ }
      settle(reject, new Error(`autocannon ${label} did not finish within ${seconds + 30} s`));
    }, (seconds + 30) * 1000);
  });
}

/**
 * One table row's load phase: a sample answer (`sample()`, judged by `judge(answer)`,
 * which says what is wrong or returns undefined), an unmeasured warm-up, the
 * measured run of `request` (runLoad's options), another sample. A failed
 * sample, any non-2xx or socket error, or no 2xx at all lists a reason in
 * `invalid`: the row is reported, not trusted. `announce()` is called just
 * before the measured run. `extraOk` counts 2xx answers outside the measured
 * run (for a create: what it stored there).
 */
export async function measurePhase({ request, sample, judge, seconds, warmupSeconds, connections, announce }) {
  const invalid = [];
  let probesOk = 0;
  const probe = async (when) => {
    try {
      const answer = await sample();
      const problem = judge(answer);
      if (problem) invalid.push(`sample ${when} load: ${problem}`);
      else probesOk++;
      return answer;
    } catch (err) {
      invalid.push(`sample ${when} load: request failed (${err.cause?.code ?? err.message})`);
      return undefined;
    }
  };
  const first = await probe('before');
  let warmupOk = 0;
  if (warmupSeconds > 0) {
    ({ ok2xx: warmupOk } = await runLoad({ ...request, seconds: warmupSeconds, connections, collectLatency: false }));
  }
  announce?.();
  const load = await runLoad({ ...request, seconds, connections });
  await probe('after');
  if (load.non2xx > 0) invalid.push(`${load.non2xx} non-2xx answers during load (status counts ${JSON.stringify(load.statusCodes)})`);
  if (load.errors > 0 || load.timeouts > 0) invalid.push(`${load.errors} socket errors, ${load.timeouts} timeouts during load`);
  if (load.ok2xx === 0) invalid.push('no 2xx answer during load');
  return { ...load, invalid, sampleBody: first?.body, extraOk: warmupOk + probesOk };
}
