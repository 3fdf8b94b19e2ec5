import { activitySentence, storyTypes, writeFields } from '@copydesk/shared';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { ActivityRecord, StoredUpdate } from '../storage/storage';
import { groupRuns, StoryTracker } from './story-tracker';

const NAMES: Record<string, string> = { ana: 'Ana', ben: 'Ben', carla: 'Carla' };
const T0 = 1_700_000_000_000;

/** A story's log as the server stores it: one entry per transaction, with account and time. */
class Log {
  readonly doc = new Y.Doc();
  readonly updates: StoredUpdate[] = [];
  private user = 'ana';
  private at = T0;

  constructor() {
    this.doc.on('update', (update: Uint8Array) => {
      this.updates.push({ seq: this.updates.length + 1, userId: this.user, at: this.at, update });
    });
  }

  get t() {
    return storyTypes(this.doc);
  }

  as(user: string, atMs: number, fn: () => void): void {
    this.user = user;
    this.at = T0 + atMs;
    this.doc.transact(fn);
  }

  /** Types `text` one character per transaction (a person typing), 200 ms apart. */
  type(user: string, atMs: number, text: Y.Text, index: number, chars: string): number {
    let t = atMs;
    for (const [i, ch] of [...chars].entries()) {
      this.as(user, t, () => text.insert(index + i, ch));
      t += 200;
    }
    return t;
  }
}

const feed = (tracker: StoryTracker, log: Log, from = 0) => {
  for (const u of log.updates.slice(from)) tracker.apply(u);
  return tracker.drain();
};

const sentences = (entries: ActivityRecord[]) =>
  entries.map((e) => activitySentence(NAMES[e.userId] ?? e.userId, e));

const newTracker = () => new StoryTracker('story-1234', null, 0, { gapMs: 60_000 });

describe('StoryTracker', () => {
  it('records the first update as the creation of the story', () => {
    const log = new Log();
    log.as('ana', 0, () => writeFields(log.doc, { headline: 'Peace plan', synopsis: 'Old text.' }));
    const { entries, created } = feed(newTracker(), log);
    expect(sentences(entries)).toEqual(['Ana created the story']);
    expect(created.has(entries[0]?.id ?? '')).toBe(true);
  });

  it('groups a burst of typing into one entry with net word counts', () => {
    const log = new Log();
    log.as('ana', 0, () => writeFields(log.doc, { headline: 'Peace plan' }));
    const tracker = newTracker();
    feed(tracker, log);
    const from = log.updates.length;
    const end = log.type('ben', 1_000, log.t.synopsis, 0, 'Talks begin in Genva');
    // A typo fixed inside the burst: delete "Genva", type "Geneva."
    log.as('ben', end, () => log.t.synopsis.delete(15, 5));
    log.type('ben', end + 200, log.t.synopsis, 15, 'Geneva today.');
    const { entries } = feed(tracker, log, from);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      userId: 'ben',
      field: 'synopsis',
      kind: 'set',
      wordsAdded: 5,
      wordsRemoved: 0,
    });
    expect(sentences(entries)).toEqual(['Ben wrote the synopsis (+5 words)']);
  });

  it('keeps one entry across rounds and starts a new one after a pause', () => {
    const log = new Log();
    log.as('ana', 0, () => writeFields(log.doc, { synopsis: 'One two three four.' }));
    const tracker = newTracker();
    feed(tracker, log);
    let from = log.updates.length;
    log.type('ben', 1_000, log.t.synopsis, 19, ' Five');
    const first = feed(tracker, log, from);
    from = log.updates.length;
    log.type('ben', 5_000, log.t.synopsis, 24, ' six');
    const second = feed(tracker, log, from);
    expect(second.entries[0]?.id).toBe(first.entries[0]?.id);
    expect(second.created.size).toBe(0);
    expect(second.entries[0]).toMatchObject({ kind: 'added', wordsAdded: 2, wordsRemoved: 0 });
    expect(sentences(second.entries)).toEqual(['Ben added to the synopsis (+2 words)']);

    from = log.updates.length;
    log.type('ben', 100_000, log.t.synopsis, 0, 'Zero ');
    const third = feed(tracker, log, from);
    expect(third.entries).toHaveLength(1);
    expect(third.entries[0]?.id).not.toBe(first.entries[0]?.id);
    expect(third.created.has(third.entries[0]?.id ?? '')).toBe(true);
  });

  it('says "rewrote" when most of the old words were replaced', () => {
    const log = new Log();
    log.as('ana', 0, () =>
      writeFields(log.doc, { synopsis: 'the old synopsis had exactly eight words here' }),
    );
    const tracker = newTracker();
    feed(tracker, log);
    const from = log.updates.length;
    log.as('ben', 1_000, () => {
      log.t.synopsis.delete(0, log.t.synopsis.length);
      log.t.synopsis.insert(0, 'A brand new summary of the Kremlin peace plan talks.');
    });
    log.as('ben', 2_000, () => log.t.synopsis.insert(0, 'Here: '));
    const { entries } = feed(tracker, log, from);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ kind: 'rewrote', wordsAdded: 10, wordsRemoved: 7 });
    expect(sentences(entries)).toEqual(['Ben rewrote the synopsis (+10 \u22127 words)']);
  });

  it('credits each of two people typing in one field with their own words only', () => {
    const log = new Log();
    log.as('ana', 0, () => writeFields(log.doc, { body: 'Middle.' }));
    const tracker = newTracker();
    feed(tracker, log);
    const from = log.updates.length;
    // Interleaved: Ana types at the start, Ben at the end, keystroke by keystroke.
    const ana = 'Ana wrote this. ';
    const ben = ' Ben added these four.';
    let a = 0;
    let b = 0;
    let t = 1_000;
    while (a < ana.length || b < ben.length) {
      if (a < ana.length) {
        const ch = ana[a] ?? '';
        log.as('ana', t, () => log.t.body.insert(a, ch));
        a++;
      }
      if (b < ben.length) {
        const ch = ben[b] ?? '';
        log.as('ben', t + 50, () => log.t.body.insert(log.t.body.length, ch));
        b++;
      }
      t += 200;
    }
    expect(log.t.body.toString()).toBe('Ana wrote this. Middle. Ben added these four.');
    const { entries } = feed(tracker, log, from);
    const byUser = Object.fromEntries(entries.map((e) => [e.userId, e]));
    expect(entries).toHaveLength(2);
    expect(byUser.ana).toMatchObject({
      field: 'body',
      kind: 'added',
      wordsAdded: 3,
      wordsRemoved: 0,
    });
    expect(byUser.ben).toMatchObject({
      field: 'body',
      kind: 'added',
      wordsAdded: 4,
      wordsRemoved: 0,
    });
  });

  it('keeps the count so far when two people edit the same words', () => {
    const log = new Log();
    log.as('ana', 0, () => writeFields(log.doc, { synopsis: 'alpha beta gamma' }));
    const tracker = newTracker();
    feed(tracker, log);
    const from = log.updates.length;
    log.as('ana', 1_000, () => log.t.synopsis.insert(6, 'new '));
    // Ben deletes "new beta" — across Ana's own change.
    log.as('ben', 1_500, () => log.t.synopsis.delete(6, 9));
    log.as('ana', 2_000, () => log.t.synopsis.insert(log.t.synopsis.length, ' delta'));
    const { entries } = feed(tracker, log, from);
    const byUser = Object.fromEntries(entries.map((e) => [e.userId, e]));
    expect(byUser.ana).toMatchObject({ wordsAdded: 2, wordsRemoved: 0 });
    expect(byUser.ben).toMatchObject({ wordsAdded: 0, wordsRemoved: 2, kind: 'removed' });
  });

  it('describes takeaways added, edited, moved and removed', () => {
    const log = new Log();
    log.as('ana', 0, () =>
      writeFields(log.doc, { headline: 'Plan', takeaways: ['First.', 'Second.', 'Third.'] }),
    );
    const tracker = newTracker();
    feed(tracker, log);
    let from = log.updates.length;

    // Ana adds takeaway 4 and goes on typing into it: one entry.
    log.as('ana', 1_000, () => log.t.takeaways.push([new Y.Text('Fourth')]));
    const fourth = log.t.takeaways.get(3);
    log.type('ana', 1_200, fourth, 6, ' point here.');
    let round = feed(tracker, log, from);
    expect(sentences(round.entries)).toEqual(['Ana added takeaway 4 (+3 words)']);

    // Ben edits takeaway 2.
    from = log.updates.length;
    log.type('ben', 5_000, log.t.takeaways.get(1), 0, 'Very ');
    round = feed(tracker, log, from);
    expect(sentences(round.entries)).toEqual(['Ben edited takeaway 2 (+1 word)']);

    // Carla moves takeaway 3 to 1, then on to 2 (one entry), as docs/PROTOCOL.md says to move.
    from = log.updates.length;
    const move = (user: string, at: number, fromIndex: number, toIndex: number) =>
      log.as(user, at, () => {
        const text = log.t.takeaways.get(fromIndex).toString();
        log.t.takeaways.delete(fromIndex, 1);
        log.t.takeaways.insert(toIndex, [new Y.Text(text)]);
      });
    move('carla', 10_000, 2, 0);
    round = feed(tracker, log, from);
    expect(sentences(round.entries)).toEqual(['Carla moved takeaway 3 to 1']);
    const moveId = round.entries[0]?.id;
    from = log.updates.length;
    move('carla', 11_000, 0, 1);
    round = feed(tracker, log, from);
    expect(round.entries[0]?.id).toBe(moveId);
    expect(sentences(round.entries)).toEqual(['Carla moved takeaway 3 to 2']);

    // Ana removes takeaway 1.
    from = log.updates.length;
    log.as('ana', 20_000, () => log.t.takeaways.delete(0, 1));
    round = feed(tracker, log, from);
    expect(sentences(round.entries)).toEqual(['Ana removed takeaway 1']);
    expect(log.t.takeaways.toArray().map(String)).toEqual([
      'Third.',
      'Very Second.',
      'Fourth point here.',
    ]);
  });

  it('describes short fields without word counts', () => {
    const log = new Log();
    log.as('ana', 0, () => writeFields(log.doc, { headline: 'Kremlin floats plan' }));
    const tracker = newTracker();
    feed(tracker, log);
    const from = log.updates.length;
    log.as('carla', 1_000, () => log.t.headline.insert(0, 'BREAKING: '));
    log.as('carla', 1_500, () => log.t.meta.set('dateline', 'Moscow, Dec 3'));
    log.as('carla', 1_600, () => log.t.meta.set('dateline', 'Moscow, Dec 4'));
    log.as('ben', 2_000, () => log.t.meta.set('byline', 'Ben Reporter'));
    const { entries } = feed(tracker, log, from);
    expect(sentences(entries).sort()).toEqual([
      'Ben set the byline',
      'Carla changed the headline',
      'Carla set the dateline',
    ]);
  });

  it('continues an open burst after a restart from the stored entries', () => {
    const log = new Log();
    log.as('ana', 0, () => writeFields(log.doc, { synopsis: 'One two.' }));
    const first = newTracker();
    feed(first, log);
    let from = log.updates.length;
    log.type('ben', 1_000, log.t.synopsis, 8, ' Three');
    const round = feed(first, log, from);
    const stored = round.entries.map((e) => ({ ...e }));
    const cursor = first.cursor;

    // A new process picks up at the cursor with the entries it finds in storage.
    const second = new StoryTracker(
      'story-1234',
      { snapshot: null, updates: log.updates.slice(0, cursor) },
      cursor,
      { gapMs: 60_000 },
    );
    second.resume(stored, T0 + 3_000);
    from = log.updates.length;
    log.type('ben', 4_000, log.t.synopsis, 14, ' four');
    const next = feed(second, log, from);
    expect(next.entries).toHaveLength(1);
    expect(next.entries[0]?.id).toBe(stored[0]?.id);
    expect(next.entries[0]).toMatchObject({ wordsAdded: 2, wordsRemoved: 0 });
  });

  it('applying runs of keystrokes as one step records the same entries as one by one', () => {
    const log = new Log();
    log.as('ana', 0, () => writeFields(log.doc, { headline: 'Peace plan', synopsis: 'Talks.' }));
    let t = log.type('ben', 1_000, log.t.synopsis, 0, 'Leaders meet in Geneva. ');
    t = log.type('ana', t, log.t.headline, 0, 'New ');
    log.as('ana', t, () => log.t.takeaways.push([new Y.Text('Ceasefire holds')]));
    log.type('ben', t + 200, log.t.synopsis, 0, 'Update: ');
    const runs = groupRuns(log.updates, 1_000);
    // Five keystrokes 200 ms apart fit in one run; a change of account always splits one.
    expect(runs.length).toBeLessThan(log.updates.length / 3);
    for (const run of runs) expect(new Set(run.map((u) => u.userId)).size).toBe(1);

    const oneByOne = feed(newTracker(), log).entries;
    const grouped = newTracker();
    for (const run of runs) grouped.applyRun(run);
    const stepped = grouped.drain().entries;
    const shape = (e: ActivityRecord) => [e.userId, e.field, e.kind, e.target, e.wordsAdded];
    expect(stepped.map(shape)).toEqual(oneByOne.map(shape));
    expect(sentences(stepped)).toEqual(sentences(oneByOne));
    // Times are those of a run's last update: off by at most the run's span.
    for (const [i, e] of stepped.entries()) {
      expect(Math.abs(e.firstAt - (oneByOne[i]?.firstAt ?? 0))).toBeLessThanOrEqual(1_000);
      expect(Math.abs(e.lastAt - (oneByOne[i]?.lastAt ?? 0))).toBeLessThanOrEqual(1_000);
    }
  });

  it('counts each person right when several type in turn at the end of a long story', () => {
    // Past SEGMENT_STEPS of one person's steps, a burst keeps its count and measures on.
    for (const fullScan of [false, true]) {
      const log = new Log();
      log.as('ana', 0, () =>
        writeFields(log.doc, { headline: 'Live: the summit', body: 'Start. ' }),
      );
      const tracker = new StoryTracker('story-1234', null, 0, { gapMs: 60_000, fullScan });
      feed(tracker, log);
      const users = ['ana', 'ben', 'carla'];
      const drained: ActivityRecord[] = [];
      let from = log.updates.length;
      for (let i = 0; i < 3 * 250; i++) {
        const body = log.t.body;
        log.as(users[i % 3] as string, 1_000 + i * 50, () => body.insert(body.length, `w${i} `));
        if (i % 40 === 39) {
          drained.push(...feed(tracker, log, from).entries);
          from = log.updates.length;
        }
      }
      drained.push(...feed(tracker, log, from).entries);
      const last = new Map(drained.map((e) => [e.id, e]));
      const byUser = [...last.values()].filter((e) => e.field === 'body');
      expect(byUser.map((e) => [e.userId, e.wordsAdded, e.wordsRemoved]).sort()).toEqual([
        ['ana', 250, 0],
        ['ben', 250, 0],
        ['carla', 250, 0],
      ]);
    }
  });
});
