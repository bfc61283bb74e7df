/**
 * Nova's `os-volume_attachments`: attach answers 200 and moves the Cinder volume
 * `available → attaching → in-use`; detach answers 202 and moves it `in-use → detaching →
 * available` (cinder-csi never calls Cinder's own attach APIs, it polls the volume). A `fail:`
 * fault rule on AttachVolume ends the attach with the volume in `error`.
 */
import type { ResourceRecord } from '../../../core/store.js';
import { OS, type ServerData, type VolumeAttachment, type VolumeData } from '../records.js';
import { projectOf, type Handler, type OsContext } from '../shared/context.js';
import { atLeast } from '../shared/microversion.js';
import { badRequest, conflict, jsonBody, member, notFound, ok, str } from '../shared/wire.js';
import { volumeStatus } from '../volume/machines.js';
import { findVolume } from '../volume/volumes.js';
import { findServer } from './servers.js';

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

function render(c: OsContext, server: string, volume: string, a: { device: string; attachmentId: string; tag?: string }): Record<string, unknown> {
  const out: Record<string, unknown> = { device: a.device, serverId: server, volumeId: volume };
  if (!atLeast(c.version, 2, 89)) out['id'] = volume;
  if (atLeast(c.version, 2, 70)) out['tag'] = a.tag ?? null;
  if (atLeast(c.version, 2, 79)) out['delete_on_termination'] = false;
  if (atLeast(c.version, 2, 89)) {
    out['attachment_id'] = a.attachmentId;
    out['bdm_uuid'] = a.attachmentId;
  }
  return out;
}

/** The server's attachments, those still being made included. */
function attachmentsOf(c: OsContext, serverId: string): Array<{ volume: ResourceRecord<VolumeData>; a: Omit<VolumeAttachment, 'attachedAt'> }> {
  const out: Array<{ volume: ResourceRecord<VolumeData>; a: Omit<VolumeAttachment, 'attachedAt'> }> = [];
  for (const v of projectOf(c).collection<VolumeData>(OS.volume).all()) {
    for (const a of v.data.attachments) if (a.serverId === serverId) out.push({ volume: v, a });
    const p = v.data.pending?.attach;
    if (p?.serverId === serverId && v.lc?.state === 'attaching') out.push({ volume: v, a: p });
  }
  return out;
}

function nextDevice(c: OsContext, serverId: string): string {
  const used = new Set(attachmentsOf(c, serverId).map((x) => x.a.device));
  for (let i = 1; i < 26; i++) {
    const dev = `/dev/vd${String.fromCharCode(97 + i)}`;
    if (!used.has(dev)) return dev;
  }
  throw badRequest('No free disk device names for prefix \'vd\'');
}

function busy(server: ResourceRecord<ServerData>, what: string): void {
  const task = server.lc?.state;
  if (task === 'powering-off' || task === 'powering-on' || task === 'deleting') throw conflict(`Cannot '${what}' instance ${server.id} while it is in task_state ${task}`);
}

const attach: Handler = (c) => {
  const server = findServer(c);
  const body = member(jsonBody(c.req), 'volumeAttachment');
  const volumeId = str(body, 'volumeId');
  if (!volumeId || !UUID.test(volumeId)) throw badRequest(`Invalid input for field/attribute volumeId. Value: ${String(body['volumeId'])}. '${String(body['volumeId'])}' is not a 'uuid'`);
  let volume: ResourceRecord<VolumeData>;
  try {
    volume = findVolume(c, volumeId);
  } catch {
    throw notFound(`Volume ${volumeId} could not be found.`);
  }
  busy(server, 'attach_volume');
  if (attachmentsOf(c, server.id).some((x) => x.volume.id === volume.id)) throw badRequest(`Invalid volume: volume ${volume.id} already attached`);
  const status = volumeStatus(volume);
  if (volume.data.multiattach && status === 'in-use') {
    if (!atLeast(c.version, 2, 60)) throw badRequest('Multiattach volumes are only supported starting with compute API version 2.60.');
  } else if (status !== 'available') throw badRequest(`Invalid volume: volume '${volume.id}' status must be 'available'. Currently in '${status}'`);
  const wanted = str(body, 'device');
  const device = wanted && /^\/dev\/[a-z]+$/.test(wanted) && !attachmentsOf(c, server.id).some((x) => x.a.device === wanted) ? wanted : nextDevice(c, server.id);
  const tag = atLeast(c.version, 2, 49) ? str(body, 'tag') : undefined;
  const pending = { attachmentId: c.engine.ids.uuid('openstack:attachment'), serverId: server.id, device, ...(tag ? { tag } : {}) };
  volume.data.pending = { attach: pending, fail: c.asyncFailure?.code };
  c.engine.lifecycle.enter(projectOf(c), volume, 'attaching');
  return ok({ volumeAttachment: render(c, server.id, volume.id, pending) });
};

const detach: Handler = (c) => {
  const server = findServer(c);
  const volumeId = c.params['volume_id']!;
  const found = attachmentsOf(c, server.id).find((x) => x.volume.id === volumeId);
  if (!found) throw notFound(`volume_id not found: ${volumeId}`);
  busy(server, 'detach_volume');
  const status = volumeStatus(found.volume);
  if (status !== 'in-use') throw badRequest(`Invalid volume: Unable to detach volume. Volume status must be 'in-use' and attach_status must be 'attached' to detach. Currently: status: '${status}'`);
  found.volume.data.pending = { detachServer: server.id };
  c.engine.lifecycle.enter(projectOf(c), found.volume, 'detaching');
  return { status: 202 };
};

export const attachmentHandlers = {
  list: ((c) => {
    const server = findServer(c);
    return ok({ volumeAttachments: attachmentsOf(c, server.id).map((x) => render(c, server.id, x.volume.id, x.a)) });
  }) as Handler,
  get: ((c) => {
    const server = findServer(c);
    const found = attachmentsOf(c, server.id).find((x) => x.volume.id === c.params['volume_id']);
    if (!found) throw notFound(`Volume attachment could not be found with filter: volume_id = ${c.params['volume_id']}, instance_uuid = ${server.id}.`);
    return ok({ volumeAttachment: render(c, server.id, found.volume.id, found.a) });
  }) as Handler,
  attach,
  detach,
};
