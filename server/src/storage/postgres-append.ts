import { buffer, int, type PostgresDatabase, type Queryable } from './postgres-database';
import type { LoggedUpdate } from './storage';

interface AppendRequest {
  storyId: string;
  updates: LoggedUpdate[];
  headline: string;
  queuedAt: number;
  resolve(seq: number): void;
  reject(err: unknown): void;
}

/** Transactions appending to the log at once; the rest of the pool stays free for reads. */
const MAX_CONCURRENT = 2;
/** A request still queued after this long fails (storage is stuck): the room reloads. */
const QUEUE_DEADLINE_MS = 10_000;

/**
 * Group commit for the update log. Every loaded story stores its edits once per event-loop turn;
 * with a hundred busy stories that was a hundred concurrent five-statement transactions on a
 * pool of ten connections, and the ones that waited more than the pool's timeout failed — their
 * stories were dropped and their editors disconnected (bench: copydesk-pg at 100x2x2). Appends
 * now queue here without a timeout of their own and whatever queued while a transaction ran is
 * written by the next one, all stories together: at most MAX_CONCURRENT transactions at once.
 */
export class PostgresAppendQueue {
  private queue: AppendRequest[] = [];
  private running = 0;

  constructor(private readonly db: PostgresDatabase) {}

  append(storyId: string, updates: LoggedUpdate[], headline: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.queue.push({ storyId, updates, headline, queuedAt: Date.now(), resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.running < MAX_CONCURRENT && this.queue.length > 0) {
      const now = Date.now();
      const batch: AppendRequest[] = [];
      for (const request of this.queue) {
        if (now - request.queuedAt > QUEUE_DEADLINE_MS) {
          request.reject(new Error('storage write queue timed out'));
        } else {
          batch.push(request);
        }
      }
      this.queue = [];
      if (batch.length === 0) return;
      this.running++;
      void this.run(batch).finally(() => {
        this.running--;
        this.pump();
      });
    }
  }

  private async run(batch: AppendRequest[]): Promise<void> {
    try {
      const seqs = await this.appendAll(batch);
      for (const [i, request] of batch.entries()) request.resolve(seqs[i] ?? 0);
    } catch (err) {
      if (batch.length === 1) {
        batch[0]?.reject(err);
        return;
      }
      // One story's failure (e.g. it was deleted) must not fail the others: each on its own.
      for (const request of batch) {
        try {
          request.resolve((await this.appendAll([request]))[0] ?? 0);
        } catch (own) {
          request.reject(own);
        }
      }
    }
  }

  /** One transaction; returns the last seq of each request, in the requests' order. */
  private appendAll(requests: AppendRequest[]): Promise<number[]> {
    // Row locks in one order everywhere: two instances' batches cannot deadlock.
    const order = [...requests.keys()].sort((a, b) =>
      (requests[a] as AppendRequest).storyId < (requests[b] as AppendRequest).storyId ? -1 : 1,
    );
    let drawn: number[] = [];
    return this.db.transaction(
      async (client) => {
        if (drawn.length > 0 && (await anyStored(client, drawn))) return lastSeqs(requests, drawn);
        for (const i of order) {
          const r = requests[i] as AppendRequest;
          const last = r.updates.at(-1);
          if (!last) continue;
          // Locks the story row: appends to one story stay serialised, so each story's log is
          // a gap-free continuation for readers (RoomCluster catch-up, activity).
          const locked = await client.query(
            'UPDATE stories SET headline = $2, updated_at = $3, updated_by = $4 WHERE id = $1',
            [r.storyId, r.headline, last.at, last.userId],
          );
          if (locked.rowCount !== 1) throw new Error(`appendUpdates: unknown story ${r.storyId}`);
        }
        const total = requests.reduce((n, r) => n + r.updates.length, 0);
        // Drawn explicitly and sorted, so the order never depends on how the server evaluates
        // nextval() for a multi-row insert; requests take consecutive runs in request order.
        const seqs = await client.query<{ seq: string }>(
          "SELECT nextval('updates_seq_seq')::text AS seq FROM generate_series(1, $1::integer)",
          [total],
        );
        drawn = seqs.rows.map((r) => int(r.seq)).sort((a, b) => a - b);
        const rows = requests.flatMap((r) => r.updates.map((u) => ({ storyId: r.storyId, u })));
        await client.query(
          `INSERT INTO updates (seq, story_id, user_id, at, data)
           SELECT u.seq, u.story_id, u.user_id, u.at, u.data
           FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[], $5::bytea[])
             AS u(seq, story_id, user_id, at, data)`,
          [
            drawn,
            rows.map((row) => row.storyId),
            rows.map((row) => row.u.userId),
            rows.map((row) => row.u.at),
            rows.map((row) => buffer(row.u.update)),
          ],
        );
        return lastSeqs(requests, drawn);
      },
      { verifiableCommit: true },
    );
  }
}

/** After a connection lost during COMMIT: did that commit happen? */
const anyStored = async (client: Queryable, seqs: number[]): Promise<boolean> => {
  const earlier = await client.query<{ n: number }>(
    'SELECT count(*)::integer AS n FROM updates WHERE seq = ANY($1::bigint[])',
    [seqs],
  );
  return (earlier.rows[0]?.n ?? 0) > 0;
};

const lastSeqs = (requests: AppendRequest[], drawn: number[]): number[] => {
  let end = 0;
  return requests.map((r) => {
    end += r.updates.length;
    return r.updates.length > 0 ? (drawn[end - 1] ?? 0) : 0;
  });
};
