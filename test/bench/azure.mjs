// The Azure leg: Azure Resource Manager (JSON over HTTP/1.1) as the Azure Disk CSI
// controller calls it, against fauxcloud only (no HTTP peer emulates Resource Manager's
// disks and VMs). One flow: PUT disk (202 + Azure-AsyncOperation), poll the operation,
// GET the VM, PUT the VM with the disk attached, poll, PUT it with toBeDetached, poll,
// DELETE the disk, poll; flows take node-a/b/c in turn, and serialise per VM as the driver does. Every request carries `Authorization: Bearer ...` like the
// Azure SDKs; fauxcloud does not check it. Loopback only; every request and wait bounded.
import { FlowError, failedAs, measureFlows, poll, send } from './flow-runner.mjs';

export const AZ_SUB = '00000000-0000-0000-0000-000000000001';
export const AZ_RG = 'fauxcloud';
export const AZ_VM = 'node-a';
/** The default scenario's VMs and their zones; flows take them in turn. */
const VMS = [['node-a', '1'], ['node-b', '2'], ['node-c', '3']];
const RG_PATH = `/subscriptions/${AZ_SUB}/resourceGroups/${AZ_RG}/providers/Microsoft.Compute`;
const diskPath = (name) => `${RG_PATH}/disks/${name}?api-version=2025-01-02`;
const vmPathOf = (vm) => `${RG_PATH}/virtualMachines/${vm}?api-version=2025-04-01`;
const vmPath = vmPathOf(AZ_VM);

/**
 * A VM's data disk list is read, edited and PUT back whole, so two writers must not
 * interleave: the CSI driver serialises its attach/detach per node, and so do the flows.
 */
const vmLocks = new Map();
async function withVm(vm, fn) {
  const prev = vmLocks.get(vm) ?? Promise.resolve();
  let release;
  const mine = new Promise((r) => (release = r));
  vmLocks.set(vm, prev.then(() => mine));
  await prev;
  try {
    return await fn();
  } finally {
    release();
  }
}
let turn = 0;
const diskId = (name) => `${RG_PATH}/disks/${name}`;

const headers = (withBody) => ({
  authorization: 'Bearer fauxcloud-bench',
  accept: 'application/json',
  ...(withBody ? { 'content-type': 'application/json' } : {}),
});

const parseJson = (body) => {
  try { return JSON.parse(body); } catch { return undefined; }
};

/** "HTTP 409 OperationNotAllowed: ..." from an ARM error envelope. */
export function describeArmAnswer({ status, body }) {
  const err = parseJson(body)?.error;
  if (err && typeof err === 'object') return `HTTP ${status} ${err.code ?? ''}${err.message ? `: ${err.message}` : ''}`;
  const snippet = String(body).replace(/\s+/g, ' ').trim().slice(0, 160);
  return `HTTP ${status}${snippet ? ` body: ${snippet}` : ' (empty body)'}`;
}

async function call(ctx, flow, method, path, body, what) {
  return send(ctx, flow, { method, path, headers: headers(body !== undefined), body, what: `${what} ${method} ${path}` });
}

/** A mutation, then its Azure-AsyncOperation polled until Succeeded (bounded); fails on Failed. */
async function mutate(ctx, flow, method, path, body, what) {
  const a = await call(ctx, flow, method, path, body === undefined ? undefined : JSON.stringify(body), what);
  const url = a.headers?.['azure-asyncoperation'];
  if (!url) throw new FlowError('other', `${what}: no Azure-AsyncOperation header`);
  const opPath = new URL(url).pathname + new URL(url).search;
  const op = await poll(ctx, async () => parseJson((await call(ctx, flow, 'GET', opPath, undefined, 'OperationStatus_Get')).body),
    (o) => o?.status !== 'InProgress', (o, ms) => `${what}: operation not done after ${ms} ms (last: ${o?.status})`);
  if (op?.status !== 'Succeeded') throw new FlowError('other', `${what}: operation ${op?.status}: ${JSON.stringify(op?.error)}`);
}

/** What the disk CSI controller does for one volume: CreateVolume, ControllerPublish, ControllerUnpublish, DeleteVolume. */
async function oneFlow(ctx, flow, name) {
  const [vmName, zone] = VMS[turn++ % VMS.length];
  const vmPath = vmPathOf(vmName);
  await mutate(ctx, flow, 'PUT', diskPath(name), { location: 'eastus', zones: [zone], sku: { name: 'Premium_LRS' }, properties: { creationData: { createOption: 'Empty' }, diskSizeGB: 10 } }, 'Disks_CreateOrUpdate');
  await withVm(vmName, async () => {
    const vm = parseJson((await call(ctx, flow, 'GET', vmPath, undefined, 'VirtualMachines_Get')).body);
    const disks = vm?.properties?.storageProfile?.dataDisks ?? [];
    const used = new Set(disks.map((d) => d.lun));
    let lun = 0;
    while (used.has(lun)) lun++;
    await mutate(ctx, flow, 'PUT', vmPath, { location: 'eastus', properties: { storageProfile: { dataDisks: [...disks, { name, lun, createOption: 'Attach', caching: 'None', managedDisk: { id: diskId(name) } }] } } }, 'VirtualMachines_CreateOrUpdate(attach)');
  });
  await withVm(vmName, async () => {
    const now = parseJson((await call(ctx, flow, 'GET', vmPath, undefined, 'VirtualMachines_Get')).body)?.properties?.storageProfile?.dataDisks ?? [];
    const detach = now.map((d) => (d.name === name ? { ...d, toBeDetached: true } : d));
    await mutate(ctx, flow, 'PUT', vmPath, { location: 'eastus', properties: { storageProfile: { dataDisks: detach } } }, 'VirtualMachines_CreateOrUpdate(detach)');
  });
  await mutate(ctx, flow, 'DELETE', diskPath(name), undefined, 'Disks_Delete');
}

export function measureAzureFlow(url, settings) {
  return measureFlows(url, settings, {
    describe: describeArmAnswer,
    prepare: async (ctx, flow) => {
      const vm = parseJson((await call(ctx, flow, 'GET', vmPath, undefined, 'VirtualMachines_Get').catch(failedAs(`no VM ${AZ_VM}`))).body);
      if (vm?.properties?.provisioningState !== 'Succeeded') throw new FlowError('other', `VM ${AZ_VM} is ${vm?.properties?.provisioningState}`);
      return { instance: `${AZ_RG}/${AZ_VM}` };
    },
    slots: (phase) => {
      let seq = 0;
      const tag = phase === 'warm-up' ? 'w' : 'm';
      return { take: () => `bench-flow-${tag}-${seq++}` };
    },
    oneFlow,
  });
}

/** `n` disks `bench-seed-0..n-1` (PUT, operations not awaited: the disk is listed at once). Resolves to the count created. */
export async function seedAzureDisks(baseUrl, n) {
  let ok = 0;
  const base = baseUrl.replace(/\/$/, '');
  for (let i = 0; i < n; i++) {
    const r = await fetch(`${base}${diskPath(`bench-seed-${i}`)}`, {
      method: 'PUT',
      headers: headers(true),
      body: JSON.stringify({ location: 'eastus', zones: ['1'], sku: { name: 'Premium_LRS' }, properties: { creationData: { createOption: 'Empty' }, diskSizeGB: 10 } }),
      signal: AbortSignal.timeout(5000),
    });
    await r.arrayBuffer();
    if (r.status >= 200 && r.status < 300) ok++;
  }
  return ok;
}

/** Disks_ListByResourceGroup (what the disk CSI driver's ListVolumes calls) as a load.mjs phase. */
export function azListPhase(baseUrl, atLeast) {
  const path = `${RG_PATH}/disks?api-version=2025-01-02`;
  const base = baseUrl.replace(/\/$/, '');
  return {
    request: { url: baseUrl, method: 'GET', path, headers: headers(false), label: 'Disks_ListByResourceGroup' },
    sample: async () => {
      const r = await fetch(`${base}${path}`, { headers: headers(false), signal: AbortSignal.timeout(5000) });
      return { status: r.status, body: await r.text() };
    },
    judge: (a) => {
      if (a.status !== 200) return describeArmAnswer(a);
      const v = parseJson(a.body)?.value;
      return !Array.isArray(v) ? 'no value[] in the answer' : v.length < atLeast ? `only ${v.length} disks, expected >= ${atLeast}` : undefined;
    },
  };
}
