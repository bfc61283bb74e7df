/**
 * The dashboard page (`GET /_fauxcloud/ui`): plain HTML and JS over the admin API, no build chain.
 * Kept as a string module so `tsc` ships it in dist/ with everything else.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>fauxcloud</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="data:,">
<style>
  :root { --bg:#f7f7f5; --fg:#1d1d1f; --muted:#6b6b70; --line:#dcdcd8; --err:#b3261e; --errbg:#fdecea; --rule:#7a4b00; --rulebg:#fff4d6; --ok:#1e6b35; --accent:#2f5fb3; }
  * { box-sizing: border-box; }
  body { margin:0; font:13px/1.4 system-ui, sans-serif; background:var(--bg); color:var(--fg); }
  header { display:flex; gap:16px; align-items:center; padding:10px 16px; background:#fff; border-bottom:1px solid var(--line); position:sticky; top:0; }
  header h1 { font-size:16px; margin:0; }
  #clock { font-variant-numeric: tabular-nums; font-weight:600; }
  button { font:inherit; padding:3px 8px; border:1px solid var(--line); background:#fff; border-radius:4px; cursor:pointer; }
  button:hover { border-color:var(--accent); }
  main { display:grid; grid-template-columns: minmax(0,1.1fr) minmax(0,1fr); gap:16px; padding:16px; }
  section { background:#fff; border:1px solid var(--line); border-radius:6px; padding:10px 12px; min-width:0; overflow-x:auto; }
  section h2 { font-size:14px; margin:0 0 8px; display:flex; gap:8px; align-items:center; }
  .muted { color:var(--muted); }
  table { width:100%; border-collapse:collapse; }
  th, td { text-align:left; padding:3px 6px; border-bottom:1px solid var(--line); white-space:nowrap; overflow:hidden; text-overflow:ellipsis; max-width:220px; }
  th { font-weight:600; color:var(--muted); }
  tr.error td { background:var(--errbg); color:var(--err); }
  tr.fired td { background:var(--rulebg); color:var(--rule); }
  .state { font-family:ui-monospace, monospace; }
  .transient { color:var(--accent); font-weight:600; }
  input[type=search] { font:inherit; padding:3px 6px; border:1px solid var(--line); border-radius:4px; width:220px; }
  details { margin:4px 0; }
  summary { cursor:pointer; font-weight:600; }
  #journal-wrap { max-height:70vh; overflow:auto; }
  #status { margin-left:auto; }
</style>
</head>
<body>
<header>
  <h1>fauxcloud</h1>
  <span>virtual now <span id="clock">…</span> <span class="muted">× <span id="factor">1</span></span></span>
  <button data-advance="1000">+1 s</button>
  <button data-advance="60000">+1 min</button>
  <button data-advance="3600000">+1 h</button>
  <button id="pause">pause</button>
  <span id="status" class="muted">connecting…</span>
</header>
<main>
  <div>
    <section>
      <h2>Faults in force <span id="fault-count" class="muted"></span></h2>
      <table id="faults"><thead><tr><th>rule</th><th>match</th><th>effect</th><th>matched</th><th>fired</th><th></th></tr></thead><tbody></tbody></table>
    </section>
    <section style="margin-top:16px">
      <h2>Resources <span id="resource-count" class="muted"></span></h2>
      <div id="resources"></div>
    </section>
  </div>
  <section>
    <h2>Journal <input id="filter" type="search" placeholder="filter: operation, status, error, id"><label><input id="errors-only" type="checkbox"> errors only</label></h2>
    <div id="journal-wrap"><table id="journal"><thead><tr><th>seq</th><th>time</th><th>cloud</th><th>operation</th><th>tenant</th><th>status</th><th>error</th><th>rule</th><th>ms</th></tr></thead><tbody></tbody></table></div>
  </section>
</main>
<script>
const api = (path, init) => fetch('/_fauxcloud' + path, init).then((r) => r.ok ? r.json() : Promise.reject(new Error(path + ': ' + r.status)));
const post = (path, body, method = 'POST') => api(path, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const el = (tag, attrs = {}, ...kids) => { const e = document.createElement(tag); for (const [k, v] of Object.entries(attrs)) { if (k === 'class') e.className = v; else if (k.startsWith('on')) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v); } for (const k of kids) e.append(k instanceof Node ? k : String(k ?? '')); return e; };
const short = (v) => v === undefined ? '' : JSON.stringify(v).replace(/^\\{|\\}$/g, '').replace(/"/g, '');
const TRANSIENT = /ing$|^PENDING$|^RUNNING$|^CREATING$|^UPLOADING$|^STAGING$|^PROVISIONING$|^queued$|^running$/;

async function refreshClock() {
  const c = await api('/clock');
  document.getElementById('clock').textContent = c.now;
  document.getElementById('factor').textContent = c.factor;
  document.getElementById('pause').textContent = c.factor === 0 ? 'resume' : 'pause';
}

async function refreshFaults() {
  const rules = await api('/faults');
  const body = document.querySelector('#faults tbody');
  body.replaceChildren(...rules.map(({ rule, hits, matched }) => {
    const { name, match, ...effect } = rule;
    return el('tr', { 'data-rule': name }, el('td', {}, name), el('td', {}, short(match)), el('td', {}, short(effect)), el('td', {}, matched), el('td', {}, hits),
      el('td', {}, el('button', { onclick: async () => { await api('/faults/' + encodeURIComponent(name), { method: 'DELETE' }); refreshFaults(); } }, 'remove')));
  }));
  document.getElementById('fault-count').textContent = rules.length ? '(' + rules.length + ')' : '(none)';
}

async function refreshResources() {
  const { tenants } = await api('/resources?limit=100');
  const box = document.getElementById('resources');
  const open = new Set([...box.querySelectorAll('details[open]')].map((d) => d.dataset.key));
  let total = 0;
  box.replaceChildren(...tenants.flatMap((t) => t.types.map((c) => {
    total += c.count;
    const key = t.cloud + ':' + t.tenant + ':' + c.type;
    const rows = c.records.map((r) => el('tr', { 'data-id': r.id }, el('td', {}, r.id), el('td', {}, r.region ?? ''),
      el('td', { class: 'state' + (r.state && TRANSIENT.test(r.state) ? ' transient' : '') }, r.state ?? ''),
      el('td', {}, r.dueAt ? 'due ' + r.dueAt.slice(11, 19) : r.readsLeft !== undefined ? r.readsLeft + ' reads left' : ''),
      el('td', {}, r.state && TRANSIENT.test(r.state) ? el('button', { onclick: async () => { await post('/lifecycle/step', { cloud: t.cloud, tenant: t.tenant, type: c.type, id: r.id }); refreshResources(); } }, 'step') : '')));
    const d = el('details', { 'data-key': key }, el('summary', {}, t.cloud + ' · ' + t.tenant + ' · ' + c.type + ' (' + c.count + ')'),
      el('table', {}, el('thead', {}, el('tr', {}, el('th', {}, 'id'), el('th', {}, 'region'), el('th', {}, 'state'), el('th', {}, 'next'), el('th', {}, ''))), el('tbody', {}, ...rows)));
    if (open.has(key)) d.open = true;
    return d;
  })));
  document.getElementById('resource-count').textContent = '(' + total + ')';
}

const journalRows = [];
function journalRow(e) {
  const cls = e.rule ? 'fired' : e.status >= 400 ? 'error' : '';
  const tr = el('tr', { class: cls, 'data-seq': e.seq }, el('td', {}, e.seq), el('td', {}, e.time.slice(11, 23)), el('td', {}, e.cloud + '/' + e.service),
    el('td', {}, e.operation), el('td', {}, e.tenant ?? ''), el('td', {}, e.status), el('td', {}, e.errorCode ?? ''), el('td', {}, e.rule ?? ''), el('td', {}, e.latencyMs));
  tr.dataset.text = [e.operation, e.status, e.errorCode, e.rule, e.tenant, e.cloud, e.service, ...e.resourceIds].join(' ').toLowerCase();
  tr.dataset.error = e.status >= 400 ? '1' : '';
  return tr;
}
function applyFilter(tr) {
  const q = document.getElementById('filter').value.trim().toLowerCase();
  const errorsOnly = document.getElementById('errors-only').checked;
  tr.hidden = (q !== '' && !q.split(/\\s+/).every((w) => tr.dataset.text.includes(w))) || (errorsOnly && !tr.dataset.error);
}
function streamJournal() {
  const source = new EventSource('/_fauxcloud/journal/stream');
  const body = document.querySelector('#journal tbody');
  source.addEventListener('entry', (ev) => {
    const tr = journalRow(JSON.parse(ev.data));
    applyFilter(tr);
    body.prepend(tr);
    journalRows.push(tr);
    if (journalRows.length > 1000) journalRows.shift().remove();
  });
  source.onopen = () => (document.getElementById('status').textContent = 'live');
  source.onerror = () => (document.getElementById('status').textContent = 'reconnecting…');
}

for (const b of document.querySelectorAll('[data-advance]')) b.addEventListener('click', async () => { await post('/clock/advance', { ms: Number(b.dataset.advance) }); refreshAll(); });
document.getElementById('pause').addEventListener('click', async () => { const c = await api('/clock'); await post('/clock', { factor: c.factor === 0 ? 1 : 0 }, 'PUT'); refreshAll(); });
for (const id of ['filter', 'errors-only']) document.getElementById(id).addEventListener('input', () => journalRows.forEach(applyFilter));

const refreshAll = () => Promise.all([refreshClock(), refreshFaults(), refreshResources()]).catch((e) => (document.getElementById('status').textContent = e.message));
refreshAll();
streamJournal();
setInterval(refreshAll, 2000);
</script>
</body>
</html>
`;
