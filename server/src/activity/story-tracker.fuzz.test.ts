import { storyTypes, writeFields } from '@copydesk/shared';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { seededInts as rng } from '../seeded-random';
import type { ActivityRecord, StoredUpdate } from '../storage/storage';
import { groupRuns, StoryTracker } from './story-tracker';

const T0 = 1_700_000_000_000;
const GAP = 3_000;
const USERS = ['ana', 'ben', 'carla', 'dan', 'eve'];
const WORDS = ['the', 'a', 'plan', 'talks', 'Geneva', '12', '3.5', "Kremlin's", 'peace', 'é', 'aa'];

type Rand = ReturnType<typeof rng>;

const phrase = (r: Rand, n: number): string => {
  let s = '';
  for (let i = 0; i < n; i++) {
    s += WORDS[r(WORDS.length)];
    s += [' ', ' ', ' ', '. ', ', ', '\n', '', '-'][r(8)];
  }
  return s;
};

/**
 * A shared story edited by several people, each in their own replica (own Yjs client id, as
 * in production, so the text is made of many items), logged the way the server stores it.
 */
class Newsroom {
  readonly docs = new Map<string, Y.Doc>();
  readonly log: StoredUpdate[] = [];
  at = T0;
  /** Where each person was last typing, per field, so that bursts look like real typing. */
  private readonly cursors = new Map<string, number>();

  constructor(
    private readonly r: Rand,
    bodyWords: number,
  ) {
    for (const u of USERS) this.docs.set(u, new Y.Doc());
    this.edit('ana', (doc) =>
      writeFields(doc, {
        headline: phrase(r, 4),
        synopsis: phrase(r, 20),
        body: phrase(r, bodyWords),
        takeaways: [phrase(r, 3), phrase(r, 3), phrase(r, 2)],
        dateline: 'Moscow',
      }),
    );
  }

  edit(user: string, fn: (doc: Y.Doc) => void): void {
    const doc = this.docs.get(user);
    if (!doc) throw new Error(user);
    const captured: Uint8Array[] = [];
    const listen = (update: Uint8Array) => captured.push(update);
    doc.on('update', listen);
    doc.transact(() => fn(doc));
    doc.off('update', listen);
    for (const update of captured) {
      this.log.push({ seq: this.log.length + 1, userId: user, at: this.at, update });
      for (const [other, d] of this.docs) if (other !== user) Y.applyUpdate(d, update);
    }
  }

  /** One random action by a random person. */
  step(): void {
    const r = this.r;
    this.at += r(20) === 0 ? GAP + r(3 * GAP) : r(700);
    const user = USERS[r(USERS.length)] ?? 'ana';
    const kind = r(100);
    if (kind < 80) this.editText(user);
    else if (kind < 85) {
      this.edit(user, (doc) => storyTypes(doc).meta.set('byline', phrase(r, r(3))));
    } else this.editTakeaway(user);
  }

  private editText(user: string): void {
    const r = this.r;
    const field = (['body', 'body', 'body', 'synopsis', 'headline'] as const)[r(5)] ?? 'body';
    this.edit(user, (doc) => {
      const text = storyTypes(doc)[field];
      for (let k = r(6) === 0 ? 2 : 1; k > 0; k--) {
        const len = text.length;
        const key = `${user}|${field}`;
        const where = r(10);
        // Own cursor (typing on), someone else's, the shared end, the middle, or anywhere.
        let at: number;
        const mate = `${USERS[r(USERS.length)]}|${field}`;
        if (where < 4 && this.cursors.has(key)) at = Math.min(this.cursors.get(key) ?? 0, len);
        else if (where < 6 && this.cursors.has(mate))
          at = Math.min(this.cursors.get(mate) ?? 0, len);
        else if (where < 7) at = len;
        else if (where < 8) at = Math.floor(len / 2);
        else at = r(len + 1);
        const op = r(10);
        if (op < 6) {
          // Repeating the text before the cursor makes the edit's place ambiguous.
          const pick = r(5);
          const s =
            pick === 0
              ? text.toString().slice(Math.max(0, at - r(6)), at)
              : pick === 1
                ? (['a', ' ', 'aa', 'a '][r(4)] ?? 'a')
                : phrase(r, 1);
          text.insert(at, s.slice(0, r(3) === 0 ? 1 : s.length));
          this.cursors.set(key, at + s.length);
        } else if (op < 9) {
          const from = Math.max(0, at - r(12));
          text.delete(from, Math.min(len - from, r(12)));
          this.cursors.set(key, from);
        } else if (op < 10 && len > 0) {
          const from = r(len);
          text.format(from, Math.min(len - from, r(20)), { bold: r(2) === 0 ? true : null });
        }
      }
    });
  }

  private editTakeaway(user: string): void {
    const r = this.r;
    this.edit(user, (doc) => {
      const list = storyTypes(doc).takeaways;
      const n = list.length;
      const op = r(10);
      if (op < 5 && n > 0) {
        const t = list.get(r(n));
        t.insert(r(t.length + 1), phrase(r, 1));
      } else if (op < 7 || n === 0) list.insert(r(n + 1), [new Y.Text(phrase(r, 2))]);
      else if (op < 8) list.delete(r(n), 1);
      else {
        const from = r(n);
        const text = list.get(from).toString();
        list.delete(from, 1);
        list.insert(r(n), [new Y.Text(text)]);
      }
    });
  }
}

interface Tracker {
  apply(u: StoredUpdate): void;
  applyRun(run: readonly StoredUpdate[]): void;
  drain(): { entries: ActivityRecord[]; created: Set<string> };
}

const counter = () => {
  let n = 0;
  return () => `id${n++}`;
};

/** Feeds the log to a tracker in random pieces, one by one or in runs, draining now and then. */
const replay = (tracker: Tracker, log: StoredUpdate[], seed: number) => {
  const r = rng(seed);
  const rounds: { entries: ActivityRecord[]; created: string[] }[] = [];
  let i = 0;
  while (i < log.length) {
    const piece = log.slice(i, i + 1 + r(40));
    i += piece.length;
    if (r(3) === 0) for (const u of piece) tracker.apply(u);
    else for (const run of groupRuns(piece, 1_000, 1 + r(30))) tracker.applyRun(run);
    if (r(2) === 0 || i >= log.length) {
      const { entries, created } = tracker.drain();
      rounds.push({ entries, created: [...created].sort() });
    }
  }
  return rounds;
};

describe('StoryTracker against its full-scan definition', () => {
  it('records exactly the same entries for random multi-user edits of long texts', () => {
    for (let seed = 1; seed <= 25; seed++) {
      const room = new Newsroom(rng(seed), 200 + rng(seed + 1000)(800));
      for (let s = 0; s < 300; s++) room.step();
      const options = { gapMs: GAP };
      const got = replay(
        new StoryTracker('story', null, 0, { ...options, newId: counter() }),
        room.log,
        seed,
      );
      const want = replay(
        new StoryTracker('story', null, 0, { ...options, newId: counter(), fullScan: true }),
        room.log,
        seed,
      );
      expect(got, `seed ${seed}`).toEqual(want);
    }
  });

  it('continues resumed bursts exactly as the full scan does', () => {
    for (let seed = 100; seed < 110; seed++) {
      const room = new Newsroom(rng(seed), 300);
      for (let s = 0; s < 150; s++) room.step();
      const cut = room.log.length;
      for (let s = 0; s < 150; s++) room.step();
      const head = room.log.slice(0, cut);
      const tail = room.log.slice(cut);
      const first = new StoryTracker('story', null, 0, {
        gapMs: GAP,
        newId: counter(),
        fullScan: true,
      });
      const stored = replay(first, head, seed).flatMap((round) => round.entries);
      const state = { snapshot: null, updates: head };
      const now = head[head.length - 1]?.at ?? T0;
      const resumed = <T extends Tracker & Pick<StoryTracker, 'resume'>>(t: T): T => {
        t.resume(
          stored.map((e) => ({ ...e })),
          now,
        );
        return t;
      };
      const options = { gapMs: GAP, newId: counter() };
      const got = replay(resumed(new StoryTracker('story', state, cut, options)), tail, seed);
      const want = replay(
        resumed(
          new StoryTracker('story', state, cut, { gapMs: GAP, newId: counter(), fullScan: true }),
        ),
        tail,
        seed,
      );
      expect(got, `seed ${seed}`).toEqual(want);
    }
  });
});
