/**
 * Cinder's state machines on core's lifecycle engine. Volume states are Cinder's own
 * (`creating → available`, `attaching → in-use`, `detaching → available`, `deleting → gone`),
 * plus `extending-attached`, which Cinder shows as `extending` and which returns to `in-use`
 * (online resize, 3.42). What a transition completes (the attachment, the new size) waits in
 * `data.pending` and is applied when the state is entered; a `fail:` fault rule makes the
 * transition end in `error` (`error_extending` for a resize) instead.
 */
import type { Engine } from '../../../core/engine.js';
import type { ResourceRecord } from '../../../core/store.js';
import { OS, type ServerData, type SnapshotData, type VolumeData } from '../records.js';

export const VOLUME_MACHINE = OS.volume;
export const SNAPSHOT_MACHINE = OS.snapshot;

/** The status Cinder reports for a stored volume. */
const TRANSIENT = new Set(['creating', 'attaching', 'detaching', 'extending', 'extending-attached']);

export function volumeStatus(rec: ResourceRecord<VolumeData>): string {
  const s = rec.lc?.state ?? 'available';
  return s === 'extending-attached' ? 'extending' : s;
}

export function defineVolumeMachines(engine: Engine): void {
  engine.lifecycle.define<VolumeData>({
    type: OS.volume,
    auto: { creating: 'available', attaching: 'in-use', detaching: 'available', extending: 'available', 'extending-attached': 'in-use', deleting: 'deleted' },
    onEnter: ({ record, from, to, at, tenant }) => {
      const d = record.data;
      const pending = d.pending;
      d.updated = at;
      if (to === 'deleted') {
        tenant.collection(OS.volume).delete(record.id);
        return;
      }
      if (pending?.fail && (from === 'creating' || from === 'attaching' || from === 'extending' || from === 'extending-attached')) {
        delete d.pending;
        engine.lifecycle.enter(tenant, record, from.startsWith('extending') ? 'error_extending' : 'error', at);
        return;
      }
      if (from === 'attaching' && to === 'in-use' && pending?.attach) d.attachments = [...d.attachments, { ...pending.attach, attachedAt: at }];
      if (from === 'detaching' && to === 'available') {
        d.attachments = d.attachments.filter((a) => a.serverId !== pending?.detachServer);
        // A multi-attach volume stays in-use while another server holds it.
        if (d.attachments.length > 0) {
          delete d.pending;
          engine.lifecycle.enter(tenant, record, 'in-use', at);
          return;
        }
      }
      if (from?.startsWith('extending') && pending?.newSize !== undefined) d.size = pending.newSize;
      if (from !== undefined && TRANSIENT.has(from)) delete d.pending;
    },
  });
  engine.lifecycle.define<SnapshotData>({
    type: OS.snapshot,
    auto: { creating: 'available', deleting: 'deleted' },
    onEnter: ({ record, from, to, at, tenant }) => {
      record.data.updated = at;
      if (to === 'deleted') tenant.collection(OS.snapshot).delete(record.id);
      else if (from === 'creating' && record.data.fail) {
        delete record.data.fail;
        engine.lifecycle.enter(tenant, record, 'error', at);
      }
    },
  });
  // Nova servers: stop and start take a moment; a deleted server takes its ports and attachments along.
  engine.lifecycle.define<ServerData>({
    type: OS.server,
    auto: { 'powering-off': 'SHUTOFF', 'powering-on': 'ACTIVE', deleting: 'DELETED' },
    onEnter: ({ record, to, at, tenant }) => {
      record.data.updated = at;
      if (to === 'SHUTOFF' || to === 'ACTIVE') record.data.status = to;
      if (to !== 'DELETED') return;
      for (const v of tenant.collection<VolumeData>(OS.volume).all())
        if (v.data.attachments.some((a) => a.serverId === record.id)) {
          v.data.attachments = v.data.attachments.filter((a) => a.serverId !== record.id);
          if (v.data.attachments.length === 0 && v.lc?.state === 'in-use') engine.lifecycle.enter(tenant, v, 'available', at);
        }
      const ports = tenant.collection<{ deviceId: string }>(OS.port);
      for (const p of [...ports.all()]) if (p.data.deviceId === record.id) ports.delete(p.id);
      tenant.collection(OS.server).delete(record.id);
    },
  });
}
