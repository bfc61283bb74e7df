// The soak leg's report (Markdown): RSS start/peak/end and the "flat after warm-up" verdict,
// per-minute latency percentiles and throughput against the target, errors by kind, flows.
import os from 'node:os';

const mib = (kib) => (kib === undefined ? 'n/a' : (kib / 1024).toFixed(1));
const ms = (x) => (x === undefined ? 'n/a' : x < 10 ? x.toFixed(2) : x.toFixed(1));
const row = (cells) => `| ${cells.join(' | ')} |`;

/** Least-squares slope (KiB per second) of RSS samples with s >= from. */
function slope(samples, from) {
  const xs = samples.filter((p) => p.s >= from && p.kib !== undefined);
  if (xs.length < 3) return undefined;
  const mx = xs.reduce((a, p) => a + p.s, 0) / xs.length;
  const my = xs.reduce((a, p) => a + p.kib, 0) / xs.length;
  const num = xs.reduce((a, p) => a + (p.s - mx) * (p.kib - my), 0);
  const den = xs.reduce((a, p) => a + (p.s - mx) ** 2, 0);
  const kibs = xs.map((p) => p.kib);
  return { kibPerS: num / den, meanKiB: my, n: xs.length, from: xs[0].s, to: xs.at(-1).s, minKiB: Math.min(...kibs), maxKiB: Math.max(...kibs) };
}

/**
 * RSS is called flat when the fitted line over the last 2/3 of the run rises by no more than
 * max(5 MiB, 5% of the mean RSS there): GC keeps RSS wobbling by a few MiB, a leak does not
 * stop. A verdict, not an assertion.
 */
export function rssVerdict(samples, seconds) {
  const fit = slope(samples, seconds / 3);
  if (!fit) return { text: 'RSS flat after warm-up: n/a (too few samples)' };
  const riseKiB = fit.kibPerS * (fit.to - fit.from);
  const limitKiB = Math.max(5 * 1024, 0.05 * fit.meanKiB);
  const flat = riseKiB <= limitKiB;
  return {
    flat,
    text: `RSS flat after warm-up: ${flat ? 'yes' : 'no'} (slope ${(fit.kibPerS * 60 / 1024).toFixed(2)} MiB/min over seconds ${fit.from.toFixed(0)}-${fit.to.toFixed(0)}, `
      + `fitted rise ${mib(riseKiB)} MiB, limit ${mib(limitKiB)} MiB = max(5 MiB, 5% of the mean ${mib(fit.meanKiB)} MiB); `
      + `range there ${mib(fit.minKiB)}-${mib(fit.maxKiB)} MiB)`,
  };
}

export function soakReport(r) {
  const { settings, run, rss, minutes, totals } = r;
  const kibs = rss.map((p) => p.kib).filter((k) => k !== undefined);
  const verdict = rssVerdict(rss, run.seconds);
  const answered = minutes.reduce((a, m) => a + m.answered, 0);
  const rssAt = (s) => rss.reduce((best, p) => (p.s <= s ? p : best), rss[0]).kib;
  const out = [];
  out.push('# Soak: fauxcloud under a fixed arrival rate of mixed AWS + GCP CSI/CCM traffic', '');
  out.push(`${new Date().toISOString()} · node ${process.version} · ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}) · ${os.platform()} ${os.release()} · fauxcloud ${r.commit ?? 'unknown'}`);
  out.push(`load average (1/5/15 min) at start ${r.loadStart.map((x) => x.toFixed(2)).join(' / ')}, at end ${r.loadEnd.map((x) => x.toFixed(2)).join(' / ')}; `
    + `the machine is shared, so the client, the server and other work compete for its CPUs.`, '');
  out.push(`Settings: ${settings.minutes} min at ${settings.rate} req/s target (open loop), at most ${settings.connections} requests in flight `
    + `(keep-alive node:http), "behind schedule" = sent more than ${r.behindMs} ms after it was due. `
    + `fauxcloud spawned as \`node dist/core/cli.js --port 0 --https-port 0 --seed 42\`, ready after ${r.startupMs.toFixed(0)} ms. `
    + `EC2 nodes ${r.ec2s.map((n) => `${n.id} (${n.zone})`).join(', ')}; GCE nodes ${r.gces.map((n) => `${n.zone}/${n.name}`).join(', ')}.`, '');

  out.push('## Verdict', '', `**${verdict.text}**`, '');
  out.push(row(['RSS at start (MiB)', 'peak (MiB)', 'end (MiB)', 'after minute 1 (MiB)']), row(['---:', '---:', '---:', '---:']));
  out.push(row([mib(rss[0].kib), mib(Math.max(...kibs)), mib(rss.at(-1).kib), mib(rssAt(60))]), '');
  out.push(row(['target req/s', 'arrivals scheduled', 'requests sent', 'answered', 'achieved req/s (answered ÷ run time)', 'behind schedule', 'dropped (backlog full)', 'connections opened']));
  out.push(row(['---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']));
  out.push(row([settings.rate, run.scheduled, totals.sent, answered, (answered / run.seconds).toFixed(0), totals.behind, totals.dropped, totals.connections]), '');
  out.push('Arrivals are reads and flow starts; a flow then sends 7 (EBS) or 8 (PD) requests, more when a poll has to repeat, '
    + 'so requests sent can exceed arrivals. Latency is measured from the moment a request was due (queueing in the client included).', '');

  out.push('## Per minute', '');
  out.push(row(['min', 'answered', 'req/s', '% of target', 'p50 ms', 'p90 ms', 'p99 ms', 'max ms', 'non-2xx', 'socket', 'behind', 'dropped', 'flows ok', 'flows failed', 'max send lag ms', 'RSS end (MiB)', 'server CPU %', 'client CPU %', 'load 1m']));
  out.push(row(Array(19).fill('---:')));
  for (const m of minutes) {
    const dur = Math.max(1e-3, Math.min(60, run.seconds - m.index * 60));
    const rps = m.answered / dur;
    out.push(row([m.index + 1, m.answered, rps.toFixed(0), `${((100 * rps) / settings.rate).toFixed(0)}%`, ms(m.p50), ms(m.p90), ms(m.p99), ms(m.max),
      m.non2xx, m.socket, m.behind, m.dropped, m.flowsOk, m.flowsFailed, ms(m.lagMax), mib(rssAt((m.index + 1) * 60)),
      r.loads[m.index]?.serverCpu.toFixed(0) ?? '', r.loads[m.index]?.clientCpu.toFixed(0) ?? '', r.loads[m.index]?.load.toFixed(2) ?? '']));
  }
  out.push('', 'CPU % is of one core, over the minute (server: /proc/<pid>/stat; client: this process). '
    + 'A last row shorter than a minute holds the answers that came in after the schedule ended.', '');

  out.push('## Errors by kind', '');
  if (!r.errors.size) out.push('None: every request answered 2xx with the expected content, every flow completed.', '');
  else {
    out.push(row(['kind', 'count', 'first example']), row(['---', '---:', '---']));
    for (const [kind, e] of [...r.errors].sort((a, b) => b[1].count - a[1].count)) out.push(row([kind, e.count, `\`${String(e.example).replace(/[|`]/g, ' ').slice(0, 200)}\``]));
    out.push('');
  }

  out.push('## Workload', '');
  out.push(row(['stream', 'arrivals/s', 'completed flows', 'failed flows']), row(['---', '---:', '---:', '---:']));
  for (const [name, perK] of Object.entries(r.mix)) {
    const f = r.stats.flows[name];
    out.push(row([name, (perK * settings.rate / 1000).toFixed(1), f ? f.ok : '', f ? f.failed : '']));
  }
  out.push('');
  if (r.stats.droppedFlows) out.push(`${r.stats.droppedFlows} flow arrivals dropped: no free slot and the wait queue full.`, '');
  if (r.snapshots.length) out.push(`Heap snapshots requested (SIGUSR2) at ${r.snapshots.join(', ')}, written to ${settings.snapshotDir}.`, '');
  if (r.exited) out.push('**The server process exited during the run.**', '');
  return out.join('\n');
}
