/**
 * Each record's EC2 XML, kept between requests: a list answer (DescribeVolumes,
 * DescribeInstances) of a thousand records re-encoded every record on every call. The fragment is
 * what the encoder compiled from the model writes for the rendered record, so the model stays the
 * only source of the wire format; the answer's encoder copies it in (xml-compiler.ts XmlFragment).
 *
 * A fragment is used only while everything its rendering read is the very same: the record's
 * `data` (never edited in place: records.ts `patch`, frozen under tests), its lifecycle state
 * object (replaced on every transition), its tag set (replaced by setTags/removeTags), and the
 * caller's list of dependencies — other records the rendering read (attachments, their data and
 * state) and read-time values (region, account, security group names), compared with `===`.
 */
import type { ResourceRecord } from '../../../core/store.js';
import { ec2StructEncoder } from '../shared/ec2-query.js';
import { serviceModel, type NormalizedSchema } from '../shared/model.js';
import { XmlFragment } from '../shared/xml-compiler.js';

interface Entry {
  data: unknown;
  lc: unknown;
  tags: unknown;
  deps: readonly unknown[];
  fragment: XmlFragment;
}

/** Off: every record rendered on every call (FAUXCLOUD_RENDER_CACHE=0; the tests compare both paths). */
export const renderCacheSwitch = { on: process.env.FAUXCLOUD_RENDER_CACHE !== '0' };

export class RenderCache {
  private readonly entries = new WeakMap<ResourceRecord, Entry>();
  private encoder: ((value: object) => string) | undefined;

  /** The list item shape: member `list` of operation `operation`'s output (e.g. DescribeVolumes.Volumes). */
  constructor(
    private readonly operation: string,
    private readonly path: readonly string[],
  ) {}

  /**
   * The record's fragment; `render` (the wire object) runs only when a dependency changed. With
   * the cache off, the wire object itself, for the answer's encoder to encode as it always did.
   */
  fragment(rec: ResourceRecord, deps: readonly unknown[], render: () => object): XmlFragment | object {
    if (!renderCacheSwitch.on) return render();
    const encode = (this.encoder ??= ec2StructEncoder(this.shape()));
    const e = this.entries.get(rec);
    if (e && e.data === rec.data && e.lc === rec.lc && e.tags === rec.tags && sameDeps(e.deps, deps)) return e.fragment;
    const fragment = new XmlFragment(encode(render()));
    this.entries.set(rec, { data: rec.data, lc: rec.lc, tags: rec.tags, deps, fragment });
    return fragment;
  }

  private shape(): NormalizedSchema {
    const op = serviceModel('@aws-sdk/client-ec2').operation(this.operation);
    if (!op) throw new Error(`no EC2 operation ${this.operation}`);
    let shape = op.output;
    for (const name of this.path) shape = memberOf(shape, name).getValueSchema();
    return shape;
  }
}

function memberOf(shape: NormalizedSchema, name: string): NormalizedSchema {
  for (const [n, member] of shape.structIterator()) if (n === name) return member;
  throw new Error(`no member ${name}`);
}

function sameDeps(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** An attachment's part in a rendering: the record, its data and its state object. */
export function attachmentDeps(atts: readonly ResourceRecord[], into: unknown[] = []): unknown[] {
  for (const a of atts) into.push(a, a.data, a.lc);
  return into;
}
