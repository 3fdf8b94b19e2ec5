import * as Y from 'yjs';
import type { AuthorRun, StoredUpdate } from '../storage/storage';

/**
 * Who sent which Yjs ids. Every stored update is tagged with the account that sent it (the
 * server's record, never client data); this index maps the struct ids an update inserted, and the
 * ids it deleted, to that account. Built incrementally from the log and persisted
 * (`history_author_runs`), so each update is decoded once.
 */

/** What the index knows about a clock: the account (or null) up to, not including, `end`. */
export interface Owner {
  userId: string | null;
  seq: number;
  end: number;
}

class Runs {
  /** Deletion runs keep one seq each; insertion runs only need the account. */
  constructor(private readonly exactSeq: boolean) {}

  private starts: number[] = [];
  private ends: number[] = [];
  private users: string[] = [];
  private seqs: number[] = [];
  private sorted = true;

  add(clock: number, len: number, userId: string, seq: number): void {
    const last = this.starts.length - 1;
    if (
      last >= 0 &&
      this.ends[last] === clock &&
      this.users[last] === userId &&
      (!this.exactSeq || this.seqs[last] === seq)
    ) {
      this.ends[last] = clock + len;
      return;
    }
    if (last >= 0 && (this.starts[last] ?? 0) > clock) this.sorted = false;
    this.starts.push(clock);
    this.ends.push(clock + len);
    this.users.push(userId);
    this.seqs.push(seq);
  }

  private sort(): void {
    const order = this.starts
      .map((_, i) => i)
      .sort((a, b) => (this.starts[a] ?? 0) - (this.starts[b] ?? 0));
    this.starts = order.map((i) => this.starts[i] ?? 0);
    this.ends = order.map((i) => this.ends[i] ?? 0);
    this.users = order.map((i) => this.users[i] ?? '');
    this.seqs = order.map((i) => this.seqs[i] ?? 0);
    this.sorted = true;
  }

  /** The run covering `clock`, or null plus where the next run starts. */
  at(clock: number): Owner {
    if (!this.sorted) this.sort();
    let lo = 0;
    let hi = this.starts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if ((this.starts[mid] ?? 0) <= clock) {
        found = mid;
        lo = mid + 1;
      } else hi = mid - 1;
    }
    if (found >= 0 && clock < (this.ends[found] ?? 0)) {
      return {
        userId: this.users[found] ?? null,
        seq: this.seqs[found] ?? 0,
        end: this.ends[found] ?? 0,
      };
    }
    const next = this.starts[found + 1];
    return { userId: null, seq: 0, end: next ?? Number.POSITIVE_INFINITY };
  }
}

export class AuthorIndex {
  /** Every update with seq <= upto is in the index. */
  upto = 0;
  private readonly inserts = new Map<number, Runs>();
  private readonly deletes = new Map<number, Runs>();

  add(run: AuthorRun): void {
    const map = run.kind === 'insert' ? this.inserts : this.deletes;
    let runs = map.get(run.client);
    if (!runs) {
      runs = new Runs(run.kind === 'delete');
      map.set(run.client, runs);
    }
    runs.add(run.clock, run.len, run.userId, run.seq);
  }

  /** Who inserted the struct with this id. */
  insertedBy(client: number, clock: number): Owner {
    return (
      this.inserts.get(client)?.at(clock) ?? { userId: null, seq: 0, end: Number.POSITIVE_INFINITY }
    );
  }

  /** Who deleted it (and in which update), if anyone did. */
  deletedBy(client: number, clock: number): Owner {
    return (
      this.deletes.get(client)?.at(clock) ?? { userId: null, seq: 0, end: Number.POSITIVE_INFINITY }
    );
  }
}

/**
 * The runs one batch of consecutive updates adds to the index. Consecutive ids of one client
 * from one account merge into one run (typing is one run per session).
 */
export const runsOfUpdates = (updates: StoredUpdate[]): AuthorRun[] => {
  const runs: AuthorRun[] = [];
  const lastInsert = new Map<number, AuthorRun>();
  const lastDelete = new Map<number, AuthorRun>();
  const add = (
    last: Map<number, AuthorRun>,
    kind: AuthorRun['kind'],
    client: number,
    clock: number,
    len: number,
    u: StoredUpdate,
  ) => {
    if (len <= 0) return;
    const prev = last.get(client);
    // Deletions keep their update's seq exactly (a diff asks "deleted between A and B?").
    if (
      prev &&
      prev.userId === u.userId &&
      prev.clock + prev.len === clock &&
      (kind === 'insert' || prev.seq === u.seq)
    ) {
      prev.len += len;
      return;
    }
    const run: AuthorRun = { kind, client, clock, len, userId: u.userId, seq: u.seq };
    runs.push(run);
    last.set(client, run);
  };
  for (const u of updates) {
    let decoded: ReturnType<typeof Y.decodeUpdate>;
    try {
      decoded = Y.decodeUpdate(u.update);
    } catch {
      continue; // the log only holds updates the document accepted; be lenient anyway
    }
    for (const struct of decoded.structs) {
      if (struct instanceof Y.Skip) continue;
      add(lastInsert, 'insert', struct.id.client, struct.id.clock, struct.length, u);
    }
    for (const [client, items] of decoded.ds.clients) {
      for (const item of items) add(lastDelete, 'delete', client, item.clock, item.len, u);
    }
  }
  return runs;
};
