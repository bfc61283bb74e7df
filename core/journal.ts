/** The request journal: one record per request, whatever happened, in a bounded ring buffer. */
export interface JournalEntry {
  seq: number;
  /** Virtual time (ISO 8601) when the request arrived. */
  time: string;
  /** The host the request named (its `Host` header without the port): the real one through the proxy. */
  host?: string;
  cloud: string;
  service: string;
  operation: string;
  tenant?: string;
  region?: string;
  method: string;
  path: string;
  status: number;
  errorCode?: string;
  latencyMs: number;
  resourceIds: string[];
  /** The fault rule that fired on this request, if any. */
  rule?: string;
}

export interface JournalQuery {
  host?: string;
  cloud?: string;
  service?: string;
  operation?: string;
  tenant?: string;
  region?: string;
  status?: number;
  errorCode?: string;
  resourceId?: string;
  /** Only entries after this journal sequence number. */
  since?: number;
  limit?: number;
}

export class Journal {
  private buffer: JournalEntry[] = [];
  private head = 0;
  private seq = 0;

  constructor(private readonly capacity = 10_000) {}

  add(entry: Omit<JournalEntry, 'seq'>): JournalEntry {
    return this.record({ seq: 0, ...entry });
  }

  /**
   * `add` for an entry built for the journal alone (the dispatcher's, one per request): it is
   * kept as it is, its `seq` set, instead of copied. Put `seq` first: the stream prints the keys
   * in the object's order.
   */
  record(full: JournalEntry): JournalEntry {
    full.seq = ++this.seq;
    if (this.buffer.length < this.capacity) this.buffer.push(full);
    else {
      this.buffer[this.head] = full;
      this.head = (this.head + 1) % this.capacity;
    }
    return full;
  }

  /** Oldest first. */
  entries(): JournalEntry[] {
    return this.head === 0 ? [...this.buffer] : [...this.buffer.slice(this.head), ...this.buffer.slice(0, this.head)];
  }

  query(q: JournalQuery): JournalEntry[] {
    const out = this.entries().filter((e) => matches(e, q));
    return q.limit !== undefined ? out.slice(-q.limit) : out;
  }

  count(q: JournalQuery): number {
    let n = 0;
    for (const e of this.buffer) if (matches(e, q)) n++;
    return n;
  }

  clear(): void {
    this.buffer = [];
    this.head = 0;
  }

  get lastSeq(): number {
    return this.seq;
  }
}

function matches(e: JournalEntry, q: JournalQuery): boolean {
  return (
    (q.host === undefined || e.host === q.host.toLowerCase()) &&
    (q.cloud === undefined || e.cloud === q.cloud) &&
    (q.service === undefined || e.service === q.service) &&
    (q.operation === undefined || e.operation === q.operation) &&
    (q.tenant === undefined || e.tenant === q.tenant) &&
    (q.region === undefined || e.region === q.region) &&
    (q.status === undefined || e.status === q.status) &&
    (q.errorCode === undefined || e.errorCode === q.errorCode) &&
    (q.resourceId === undefined || e.resourceIds.includes(q.resourceId)) &&
    (q.since === undefined || e.seq > q.since)
  );
}
