// The benchmark's report: the EC2 table (fauxcloud vs moto, with ratios), the
// GCP table (fauxcloud only), their notes and setup lines, and the machine, as
// Markdown for stdout and results/latest.md. Pure formatting of what run.mjs
// measured: nothing here talks to a server.

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { GCE_ZONE, SEED_DISK } from './gcp.mjs';
import { MOTO_SPEC, ROOT } from './servers.mjs';

const fmt = {
  ms0: (v) => (v === undefined ? '-' : v.toFixed(0)),
  ms2: (v) => (v === undefined ? '-' : v < 10 ? v.toFixed(2) : v.toFixed(1)),
  mib: (kib) => (kib === undefined ? '-' : (kib / 1024).toFixed(1)),
  rps: (v) => (v === undefined ? '-' : v.toFixed(0)),
  fps: (v) => (v === undefined ? '-' : v < 100 ? v.toFixed(1) : v.toFixed(0)),
};

/** The four rows of one autocannon phase. */
const op = (key, label) => [
  [`${label} req/s`, (r) => r[key]?.reqPerSec, fmt.rps, 'higher', key],
  [`${label} p50 latency (ms)`, (r) => r[key]?.p50Ms, fmt.ms2, 'lower', key],
  [`${label} p99 latency (ms)`, (r) => r[key]?.p99Ms, fmt.ms2, 'lower', key],
  [`${label} non-2xx / socket errors`, (r) => r[key] && `${r[key].non2xx} / ${r[key].errors + r[key].timeouts}`, String, null, key],
];

/** The five rows of a flow phase. */
const flowRows = (label) => [
  [`${label} flows/s`, (r) => r.flow?.flowsPerSec, fmt.fps, 'higher', 'flow'],
  [`${label} p50 latency (ms)`, (r) => r.flow?.p50Ms, fmt.ms2, 'lower', 'flow'],
  [`${label} p99 latency (ms)`, (r) => r.flow?.p99Ms, fmt.ms2, 'lower', 'flow'],
  [`${label} requests per flow`, (r) => r.flow?.reqPerFlow, (v) => v.toFixed(2), null, 'flow'],
  [`${label} failed flows (non-2xx / socket / other)`,
    (r) => r.flow?.failed !== undefined ? `${r.flow.failed} (${r.flow.non2xx} / ${r.flow.socket} / ${r.flow.other})` : undefined, String, null, 'flow'],
];

/** Rows: [metric, getter(result) -> number|undefined, formatter, 'higher'|'lower'|null, op]. */
function rows() {
  return [
    ['start-up to first DescribeRegions (ms)', (r) => r.startupMs, fmt.ms0, 'lower'],
    ['RSS after start-up (MiB)', (r) => r.rssStartKiB, fmt.mib, 'lower'],
    ['RSS peak up to end of DescribeVolumes (MiB)', (r) => r.rssDescribePeakKiB, fmt.mib, 'lower'],
    ['RSS peak up to end of CreateVolume (MiB)', (r) => r.rssPeakKiB, fmt.mib, 'lower'],
    ['volumes created by the bench', (r) => r.volumesCreated, String, null],
    ['DescribeVolumes answer: volumes / KiB', (r) => r.describe && `${r.describeVolumes ?? '?'} / ${r.describeKiB.toFixed(1)}`, String, null, 'describe'],
    ...op('describe', 'DescribeVolumes'),
    ...op('create', 'CreateVolume'),
    ...flowRows('EBS volume flow'),
  ];
}

/** The GCP table's rows (fauxcloud only), same shape as rows(). */
function gcpRows() {
  return [
    ['RSS after start-up (MiB)', (r) => r.rssStartKiB, fmt.mib],
    ['RSS peak up to end of disks.list (MiB)', (r) => r.rssListPeakKiB, fmt.mib],
    ['RSS peak up to end of disks.insert (MiB)', (r) => r.rssPeakKiB, fmt.mib],
    ['disks created by the bench', (r) => r.disksCreated, String],
    ['disks.list answer: disks / KiB', (r) => r.list && `${r.listDisks ?? '?'} / ${r.listKiB.toFixed(1)}`, String, null, 'list'],
    ...op('get', 'disks.get'),
    ...op('list', 'disks.list'),
    ...op('insert', 'disks.insert'),
    ...flowRows('PD CSI controller flow'),
  ];
}

/** A Markdown table, columns padded to their widest cell; the first left-aligned, the rest right-aligned. */
function markdownTable(head, body) {
  const widths = head.map((_, i) => Math.max(...[head, ...body].map((row) => row[i].length)));
  const line = (row) => `| ${row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join(' | ')} |`;
  const sep = `| ${widths.map((w, i) => (i === 0 ? '-'.repeat(w) : `${'-'.repeat(w - 1)}:`)).join(' | ')} |`;
  return [line(head), sep, ...body.map(line)].join('\n');
}

function cell(r, get, format, opKey) {
  if (!r.available) return 'unavailable';
  const v = get(r);
  if (v === undefined) return '-';
  const bad = opKey && r[opKey]?.invalid.length > 0;
  return `${format(v)}${bad ? ' (INVALID)' : ''}`;
}

function ratio(f, m, get, better, opKey) {
  if (!better || !f.available || !m.available) return 'n/a';
  if (opKey && (f[opKey]?.invalid.length || m[opKey]?.invalid.length)) return 'n/a (invalid)';
  const a = get(f);
  const b = get(m);
  if (!(a > 0) || !(b > 0)) return 'n/a';
  const x = better === 'higher' ? a / b : b / a;
  return `${x >= 10 ? x.toFixed(1) : x.toFixed(2)}x`;
}

function table(f, m) {
  const head = ['Metric', 'fauxcloud', 'moto', 'Ratio (>1 = fauxcloud better)'];
  return markdownTable(head, rows().map(([label, get, format, better, opKey]) => [
    label, cell(f, get, format, opKey), cell(m, get, format, opKey), ratio(f, m, get, better, opKey),
  ]));
}

function notes(f, m) {
  const out = [];
  for (const r of [f, m]) {
    if (!r.available) out.push(`- ${r.name}: unavailable (${r.reason.split('\n')[0]})`);
    for (const n of r.notes) out.push(`- ${r.name}: ${n}`);
    for (const [key, label] of [['describe', 'DescribeVolumes'], ['create', 'CreateVolume']]) {
      const op = r[key];
      if (op?.reconnects > 0) {
        out.push(`- ${r.name} ${label}: the server closed the connection after ${op.reconnects} of ${op.total} answers (\`Connection: close\`); `
          + 'each following request paid a new TCP connection, included in its latency');
      }
      for (const why of r[key]?.invalid ?? []) out.push(`- ${r.name} ${label} INVALID: ${why}`);
    }
    const fl = r.flow;
    if (fl?.instanceId) {
      out.push(`- ${r.name} EBS volume flow: instance ${fl.instanceId} (${fl.launched ? 'launched with RunInstances: no running instance in us-east-1a' : 'already running in us-east-1a'})`);
    }
    if (fl?.connections > 0) {
      out.push(`- ${r.name} EBS volume flow: ${fl.connections} connections opened for ${fl.requests} requests `
        + '(`Connection: close` answers); each TCP handshake is included in its flow\'s latency');
    }
    for (const why of fl?.invalid ?? []) out.push(`- ${r.name} EBS volume flow INVALID: ${why}`);
  }
  return out;
}

function gcpTable(g) {
  return markdownTable(['Metric', 'fauxcloud'], gcpRows().map(([label, get, format, , opKey]) => [label, cell(g, get, format, opKey)]));
}

function gcpNotes(g) {
  const out = [];
  if (!g.available) out.push(`- ${g.name}: unavailable (${g.reason.split('\n')[0]})`);
  for (const n of g.notes) out.push(`- ${g.name}: ${n}`);
  for (const [key, label] of [['get', 'disks.get'], ['list', 'disks.list'], ['insert', 'disks.insert']]) {
    for (const why of g[key]?.invalid ?? []) out.push(`- ${g.name} ${label} INVALID: ${why}`);
  }
  const fl = g.flow;
  if (fl?.instance) {
    out.push(`- ${g.name} PD CSI controller flow: instance ${fl.instance}; ${fl.requests} requests on ${fl.connections} new connections `
      + '(keep-alive agent: the sockets opened during the warm-up carry on)');
  }
  for (const why of fl?.invalid ?? []) out.push(`- ${g.name} PD CSI controller flow INVALID: ${why}`);
  return out;
}

/** The GCP section of results/latest.md. */
function gcpSection(g, settings) {
  if (!g) return ['## GCP: Compute Engine (fauxcloud only)', '', '- skipped (BENCH_GCP=0)', ''];
  const n = gcpNotes(g);
  return [
    '## GCP: Compute Engine (fauxcloud only)',
    '',
    'No peer column: no HTTP server to compare with emulates Compute Engine (moto and LocalStack do not;',
    'the nearest "peers" are in-process Go fakes such as the PD CSI driver\'s `FakeCloudProvider` and',
    'k8s-cloud-provider\'s `MockGCE`, which have no wire to drive with the same client). These figures',
    'are fauxcloud alone, from a fresh `--seed 42` process, measured the same way as the EC2 rows.',
    '',
    gcpTable(g),
    '',
    '### GCP notes',
    '',
    ...(n.length ? n : ['- none: every sample answer was the expected disk, disk list or operation, no non-2xx, no socket errors']),
    '',
    '### GCP setup',
    '',
    `- Compute Engine REST (JSON, \`/compute/v1/projects/fauxcloud-project/zones/${GCE_ZONE}/...\`), bearer token not checked; autocannon, ${settings.connections} connections, ${settings.seconds} s per operation after a ${settings.warmupSeconds} s warm-up`,
    `- order: ${settings.seedDisks} sequential disks.insert + zoneOperations.wait (\`${SEED_DISK}0..\`), disks.get on \`${SEED_DISK}0\`, disks.list (no filter, one page), the PD CSI controller flow, disks.insert (a new name per request)`,
    `- PD CSI controller flow: ${settings.flowConcurrency} concurrent closed-loop flows (disks.insert, wait, instances.attachDisk to node-a, wait, instances.detachDisk, wait, disks.delete, wait; 10 GB pd-balanced), node:http keep-alive agent, ${settings.seconds} s after a ${settings.warmupSeconds} s warm-up`,
    '- every disk body: `{"name": ..., "sizeGb": "10", "type": "zones/us-central1-a/diskTypes/pd-balanced"}`',
    '',
  ];
}

/** The OpenStack section of results/latest.md (fauxcloud only). */
function openstackSection(o, settings) {
  const title = '## OpenStack: Cinder and Nova (fauxcloud only)';
  if (!o) return [title, '', '- skipped (BENCH_OPENSTACK=0)', ''];
  const rowsOs = [
    ['RSS after start-up (MiB)', (r) => r.rssStartKiB, fmt.mib],
    ['RSS peak up to end of volumes/detail (MiB)', (r) => r.rssListPeakKiB, fmt.mib],
    ['RSS peak up to end of POST volumes (MiB)', (r) => r.rssPeakKiB, fmt.mib],
    ['volumes/detail answer: volumes', (r) => r.detailVolumes, String, null, 'detail'],
    ...op('detail', 'GET volumes/detail'),
    ...op('create', 'POST volumes'),
    ...flowRows('cinder-csi controller flow'),
  ];
  const notesOs = [];
  if (!o.available) notesOs.push(`- ${o.name}: unavailable (${o.reason.split('\n')[0]})`);
  for (const n of o.notes) notesOs.push(`- ${o.name}: ${n}`);
  for (const [key, label] of [['detail', 'GET volumes/detail'], ['create', 'POST volumes']]) for (const why of o[key]?.invalid ?? []) notesOs.push(`- ${label} INVALID: ${why}`);
  for (const why of o.flow?.invalid ?? []) notesOs.push(`- cinder-csi controller flow INVALID: ${why}`);
  return [
    title,
    '',
    'No peer column: nothing serving HTTP emulates Cinder and Nova short of a devstack; these figures are',
    'fauxcloud alone, from a fresh `--seed 42` process, measured the same way as the EC2 rows.',
    '',
    markdownTable(['Metric', 'fauxcloud'], rowsOs.map(([label, get, format, , opKey]) => [label, cell(o, get, format, opKey)])),
    '',
    '### OpenStack notes',
    '',
    ...(notesOs.length ? notesOs : ['- none: every sample answer was the expected volume or list, no non-2xx, no socket errors']),
    '',
    '### OpenStack setup',
    '',
    `- Keystone password auth once (X-Auth-Token on every call), the project's volume quota lifted; ${settings.seedVolumes} sequential POST volumes, then volumes/detail (one page), the flow, POST volumes`,
    `- cinder-csi controller flow: ${settings.flowConcurrency} concurrent closed-loop flows (POST volumes, poll available, Nova os-volume_attachments POST to node-a, poll in-use, DELETE attachment, poll available, DELETE volume; 1 GiB in zone nova), node:http keep-alive agent, ${settings.seconds} s after a ${settings.warmupSeconds} s warm-up`,
    '',
  ];
}

/** The Azure section of results/latest.md: the disk CSI controller flow, fauxcloud only. */
function azureSection(az, settings) {
  if (!az) return ['## Azure: Resource Manager (fauxcloud only)', '', '- skipped (BENCH_AZURE=0)', ''];
  const rows = [['RSS after start-up (MiB)', (r) => r.rssStartKiB, fmt.mib], ['RSS peak (MiB)', (r) => r.rssPeakKiB, fmt.mib], ...flowRows('Azure Disk CSI controller flow')];
  const notes = [];
  if (!az.available) notes.push(`- ${az.name}: unavailable (${az.reason.split('\n')[0]})`);
  for (const n of az.notes) notes.push(`- ${az.name}: ${n}`);
  for (const why of az.flow?.invalid ?? []) notes.push(`- ${az.name} Azure Disk CSI controller flow INVALID: ${why}`);
  return [
    '## Azure: Resource Manager (fauxcloud only)',
    '',
    'No peer column: no HTTP server emulates Resource Manager\'s disks and VMs (the azure-sdk-for-go `fake` packages are in-process).',
    '',
    markdownTable(['Metric', 'fauxcloud'], rows.map(([label, get, format, , opKey]) => [label, cell(az, get, format, opKey)])),
    '',
    ...(notes.length ? ['### Azure notes', '', ...notes, ''] : []),
    '### Azure setup',
    '',
    `- flow: ${settings.flowConcurrency} concurrent closed-loop flows (PUT disk + poll Azure-AsyncOperation, GET VM, PUT VM attaching it + poll, PUT VM with toBeDetached + poll, DELETE disk + poll; 10 GiB Premium_LRS, zone 1, node-a), node:http keep-alive agent, ${settings.seconds} s after a ${settings.warmupSeconds} s warm-up`,
    '',
  ];
}

function gitRev() {
  const r = spawnSync('git', ['-C', ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8', timeout: 10_000 });
  if (r.status !== 0) return 'no commit yet';
  const dirty = spawnSync('git', ['-C', ROOT, 'status', '--porcelain', '--', 'core', 'clouds'], { encoding: 'utf8', timeout: 10_000 });
  return `${r.stdout.trim()}${dirty.stdout?.trim() ? ' (+ uncommitted changes)' : ''}`;
}

/**
 * results/latest.md: the EC2 table (fauxcloud `f` vs moto `m`), the GCP section (`g`,
 * undefined when skipped), the settings the run used and the machine.
 */
/** The ceiling section: each list/get call beside bare fastify sending the same bytes. */
function ceilingSection(rows, m) {
  if (!rows) return [];
  const bad = (p) => !p || p.invalid.length > 0;
  const body = rows.map((e) => {
    const motoOp = e.moto && m.available ? m[e.moto] : undefined;
    const ok = !e.error && !bad(e.faux) && !bad(e.bare);
    const ratio = ok && e.bare.reqPerSec > 0 ? (e.faux.reqPerSec / e.bare.reqPerSec).toFixed(2) : 'n/a';
    return [
      e.label,
      e.bytes === undefined ? '-' : (e.bytes / 1024).toFixed(1),
      e.bare ? `${fmt.rps(e.bare.reqPerSec)}${bad(e.bare) ? ' (INVALID)' : ''}` : '-',
      `${fmt.rps(e.faux.reqPerSec)}${bad(e.faux) ? ' (INVALID)' : ''}`,
      ratio,
      `${fmt.ms2(e.faux.p50Ms)} / ${e.bare ? fmt.ms2(e.bare.p50Ms) : '-'}`,
      `${fmt.ms2(e.faux.p99Ms)} / ${e.bare ? fmt.ms2(e.bare.p99Ms) : '-'}`,
      motoOp ? `${fmt.rps(motoOp.reqPerSec)}${bad(motoOp) ? ' (INVALID)' : ''}` : '-',
    ];
  });
  const notes = [];
  for (const e of rows) {
    if (e.error) notes.push(`- ${e.label}: ceiling not measured (${e.error})`);
    for (const [who, p] of [['fauxcloud', e.faux], ['ceiling', e.bare]]) for (const why of p?.invalid ?? []) notes.push(`- ${e.label} ${who} INVALID: ${why}`);
  }
  return [
    '## Ceiling: fauxcloud vs bare fastify sending the same bytes',
    '',
    'Each list/get call, then right after it the same request (same autocannon client and settings)',
    'against a bare fastify 5 route in its own process (`ceiling-server.mjs`) that answers the very',
    'bytes, status and headers fauxcloud just answered. Ratio = fauxcloud req/s ÷ bare req/s: the',
    'share of the physical limit reached (goal ≥ 0.5). The moto column is the moto run of the EC2',
    'table above, where the same call on the same number of resources was measured there.',
    '',
    markdownTable(['Call', 'answer KiB', 'bare fastify req/s', 'fauxcloud req/s', 'ratio', 'p50 ms faux / bare', 'p99 ms faux / bare', 'moto req/s'], body),
    '',
    ...(notes.length ? ['### Ceiling notes', '', ...notes, ''] : []),
  ];
}

/** The start-up section (startup.mjs's medians). */
function startupSection(s) {
  if (!s) return [];
  if (s.error) return ['## Start-up', '', `- not measured: ${s.error}`, ''];
  return [
    '## Start-up (spawned as `npm start` runs it)',
    '',
    `\`node dist/core/cli.js --port 0 --https-port 0\`, median of ${s.runs} runs; each first answer is timed from the previous one's end.`,
    '',
    markdownTable(['Figure', 'fauxcloud', 'goal'], [
      ['floor: bare `node -e` HTTP server, spawn → first answer (ms)', fmt.ms0(s.floorFirstMs), ''],
      ['spawn → "ready" line (ms)', fmt.ms0(s.readyMs), ''],
      ['spawn → first answered request, /_fauxcloud/health (ms)', fmt.ms0(s.firstAdminMs), '< 300'],
      ['… as a multiple of the floor', s.firstAdminMs && s.floorFirstMs ? (s.firstAdminMs / s.floorFirstMs).toFixed(1) : '', ''],
      ['first AWS request, DescribeRegions ×4 at once (ms)', fmt.ms0(s.firstAwsMs), '< 1000'],
      ['first Compute Engine request, zones.list (ms)', fmt.ms0(s.firstGcpMs), '< 1000'],
      ['first Azure request, virtualMachines list (ms)', fmt.ms0(s.firstAzureMs), '< 1000'],
      ['first OpenStack request, Keystone token (ms)', fmt.ms0(s.firstOpenStackMs), '< 1000'],
      ['first vSphere request, RetrieveServiceContent (ms)', fmt.ms0(s.firstVsphereMs), '< 1000'],
      ['idle RSS after start-up (MiB)', fmt.mib(s.idleRssKiB), '< 100'],
      ["RSS after every cloud's first request (MiB)", fmt.mib(s.rssAfterKiB), ''],
    ]),
    '',
  ];
}

export function report({ f, m, moto, g, o, az, ceiling, startup, settings, loadAtStart }) {
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  const cpus = os.cpus();
  const n = notes(f, m);
  return [
    '# fauxcloud benchmark: EC2 vs moto, GCP Compute Engine',
    '',
    `Generated by \`npm run bench\` (test/bench/run.mjs) on ${new Date().toISOString()}.`,
    '',
    '## EC2: fauxcloud vs moto',
    '',
    'Ratio: fauxcloud/moto for req/s, moto/fauxcloud for latency, memory and start-up;',
    'in every row a ratio above 1 means fauxcloud is better.',
    '',
    table(f, m),
    '',
    '### EC2 notes',
    '',
    ...(n.length ? n : ['- none: every sample answer carried <volumeId>/<volumeSet>, no non-2xx, no socket errors']),
    '',
    '### EC2 setup',
    '',
    `- load: autocannon, ${settings.connections} connections, ${settings.seconds} s per operation after a ${settings.warmupSeconds} s warm-up, loopback only`,
    `- DescribeVolumes runs after ${settings.seedVolumes} CreateVolume calls (same on both servers); then the EBS volume flow, then CreateVolume`,
    `- EBS volume flow: ${settings.flowConcurrency} concurrent closed-loop flows (Create, poll, Attach, poll, Detach, poll, Delete; 1 GiB gp3 in us-east-1a), node:http keep-alive agent, ${settings.seconds} s after a ${settings.warmupSeconds} s warm-up`,
    '- servers run one after the other, never at the same time; client and server share the machine',
    '- both servers hold the same volumes up to the end of DescribeVolumes; the CreateVolume phase stores as many volumes as each server manages to create, so the last RSS row compares unequal stores (see "volumes created")',
    `- fauxcloud ${pkg.version} (git ${gitRev()}): node ${process.env.BENCH_FAUXCLOUD_CLI || 'dist/core/cli.js'} --port 0 --https-port 0 --seed 42`,
    `- moto: ${moto.ok ? `${moto.version} (pinned ${MOTO_SPEC}), Python ${moto.python}, moto_server (Werkzeug dev server)` : `unavailable (${moto.reason})`}`,
    '',
    ...startupSection(startup),
    ...ceilingSection(ceiling, m),
    ...gcpSection(g, settings),
    ...openstackSection(o, settings),
    ...azureSection(az, settings),
    '## Machine',
    '',
    `- node ${process.version}, ${os.platform()} ${os.release()} ${os.arch()}`,
    `- ${cpus.length} CPUs (${cpus[0]?.model?.trim() ?? 'unknown model'}), ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB RAM`,
    `- load average (1 min) at start ${loadAtStart.toFixed(2)}, at end ${os.loadavg()[0].toFixed(2)} (the end figure includes the bench's own load; other work on the machine skews every figure)`,
    `- date ${new Date().toISOString()}`,
    '',
  ].join('\n');
}
