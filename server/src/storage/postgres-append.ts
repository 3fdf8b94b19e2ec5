import { buffer, int, type PostgresDatabase, type Queryable } from './postgres-database';
import { type AppendedRange, type LoggedUpdate, NOTHING_APPENDED } from './storage';

interface AppendRequest {
  storyId: string;
  updates: LoggedUpdate[];
  headline: string;
  queuedAt: number;
  resolve(range: AppendedRange): void;
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

  append(storyId: string, updates: LoggedUpdate[], headline: string): Promise<AppendedRange> {
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
      const ranges = await this.appendAll(batch);
      for (const [i, request] of batch.entries()) request.resolve(ranges[i] ?? NOTHING_APPENDED);
    } catch (err) {
      if (batch.length === 1) {
        batch[0]?.reject(err);
        return;
      }
      // One story's failure (e.g. it was deleted) must not fail the others: each on its own.
      for (const request of batch) {
        try {
          request.resolve((await this.appendAll([request]))[0] ?? NOTHING_APPENDED);
        } catch (own) {
          request.reject(own);
        }
      }
    }
  }

  /** One transaction; returns each request's range of the log, in the requests' order. */
  private appendAll(requests: AppendRequest[]): Promise<AppendedRange[]> {
    // Each story's row once, as its newest request left it (requests are in queue order).
    const latest = new Map<string, { headline: string; last: LoggedUpdate }>();
    for (const r of requests) {
      const last = r.updates.at(-1);
      if (last) latest.set(r.storyId, { headline: r.headline, last });
    }
    const stories = [...latest].sort(([a], [b]) => (a < b ? -1 : 1));
    const ids = stories.map(([id]) => id);
    let drawn: number[] = [];
    let before = new Map<string, number>();
    return this.db.transaction(
      async (client) => {
        if (drawn.length > 0 && (await anyStored(client, drawn))) {
          return rangesOf(requests, drawn, before);
        }
        // Locks the stories' rows, in one order everywhere (two instances' batches cannot
        // deadlock): appends to one story stay serialised, so each story's log is a gap-free
        // continuation for readers (RoomCluster catch-up, activity). One statement for the
        // batch, not one round trip per story: with a hundred busy stories those round trips
        // held the locks for tens of ms and the other instance's batch queued behind them.
        const locked = await client.query<{ id: string }>(
          'SELECT id FROM stories WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE',
          [ids],
        );
        if (locked.rowCount !== ids.length) {
          const found = new Set(locked.rows.map((row) => row.id));
          throw new Error(`appendUpdates: unknown story ${ids.find((id) => !found.has(id))}`);
        }
        const rows = requests.flatMap((r) => r.updates.map((u) => ({ storyId: r.storyId, u })));
        // One round trip for the rest, now that the locks are held (this statement's snapshot
        // is taken after them, so no other append to these stories commits unseen):
        // - the story rows' new headline and last editor, and each story's last row before
        //   this batch (`before`; the insert below is invisible to the same statement);
        // - seqs drawn and numbered in order, so the order never depends on how the server
        //   evaluates nextval() for a multi-row insert: rows take them in request order;
        // - the rows themselves.
        const result = await client.query<{ seqs: string[]; before: [string, string | null][] }>(
          `WITH touched AS (
             UPDATE stories AS s
             SET headline = u.headline, updated_at = u.at, updated_by = u.user_id
             FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[])
               AS u(id, headline, at, user_id)
             WHERE s.id = u.id
             RETURNING s.id, (SELECT max(seq) FROM updates WHERE story_id = s.id)::text AS last
           ),
           drawn AS (SELECT nextval('updates_seq_seq') AS seq FROM generate_series(1, $5::integer)),
           numbered AS (SELECT seq, row_number() OVER (ORDER BY seq) AS i FROM drawn),
           inserted AS (
             INSERT INTO updates (seq, story_id, user_id, at, data)
             SELECT n.seq, u.story_id, u.user_id, u.at, u.data
             FROM unnest($6::text[], $7::text[], $8::bigint[], $9::bytea[])
               WITH ORDINALITY AS u(story_id, user_id, at, data, i)
             JOIN numbered AS n ON n.i = u.i
             RETURNING seq
           )
           SELECT
             ARRAY(SELECT i.seq::text FROM inserted AS i ORDER BY i.seq) AS seqs,
             ARRAY(SELECT json_build_array(id, last) FROM touched) AS before`,
          [
            ids,
            stories.map(([, r]) => r.headline),
            stories.map(([, r]) => r.last.at),
            stories.map(([, r]) => r.last.userId),
            rows.length,
            rows.map((row) => row.storyId),
            rows.map((row) => row.u.userId),
            rows.map((row) => row.u.at),
            rows.map((row) => buffer(row.u.update)),
          ],
        );
        const answer = result.rows[0];
        drawn = (answer?.seqs ?? []).map(int);
        before = new Map(
          (answer?.before ?? []).map(([id, last]) => [id, last === null ? 0 : int(last)]),
        );
        return rangesOf(requests, drawn, before);
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

/**
 * Requests take consecutive runs of `drawn` in request order; a story's first request follows
 * its last row before the batch, a later request of the same story follows the earlier one.
 */
const rangesOf = (
  requests: AppendRequest[],
  drawn: number[],
  before: Map<string, number>,
): AppendedRange[] => {
  const lastOf = new Map(before);
  let end = 0;
  return requests.map((r) => {
    if (r.updates.length === 0) return NOTHING_APPENDED;
    end += r.updates.length;
    const lastSeq = drawn[end - 1] ?? 0;
    const prevSeq = lastOf.get(r.storyId) ?? 0;
    lastOf.set(r.storyId, lastSeq);
    return { prevSeq, lastSeq, seqs: drawn.slice(end - r.updates.length, end) };
  });
};
