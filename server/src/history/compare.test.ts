import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { readFields, storyTypes, type VersionChange } from '@copydesk/shared';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { SqliteStorage } from '../storage/sqlite-storage';
import type { StoredUpdate } from '../storage/storage';
import { AuthorIndex, runsOfUpdates } from './author-index';
import { attributeText, compareContents } from './compare';
import { type DocContent, readContent } from './doc-content';
import { rebuildAt } from './rebuild';
import { describeChanges } from './summary';

const USERS = {
  u_ana: { id: 'u_ana', displayName: 'Ana', color: '#1f6feb' },
  u_ben: { id: 'u_ben', displayName: 'Ben', color: '#c2410c' },
};

/**
 * A server document fed by per-user client documents: every effective update is logged with
 * the user who sent it, like StoryRoom does.
 */
class Desk {
  readonly server = new Y.Doc({ gc: true });
  readonly log: StoredUpdate[] = [];
  private readonly clients = new Map<string, Y.Doc>();

  constructor() {
    this.server.on('update', (update: Uint8Array, origin: unknown) => {
      this.log.push({ seq: this.log.length + 1, userId: String(origin), at: 0, update });
    });
  }

  client(userId: string): Y.Doc {
    let doc = this.clients.get(userId);
    if (!doc) {
      doc = new Y.Doc();
      Y.applyUpdate(doc, Y.encodeStateAsUpdate(this.server));
      this.clients.set(userId, doc);
    }
    return doc;
  }

  /** `userId` edits on their client; the change reaches the server (and the other clients). */
  edit(userId: string, fn: (doc: Y.Doc) => void): void {
    const doc = this.client(userId);
    const before = Y.encodeStateVector(doc);
    doc.transact(() => fn(doc));
    Y.applyUpdate(this.server, Y.encodeStateAsUpdate(doc, before), userId);
    for (const [other, d] of this.clients) {
      if (other !== userId)
        Y.applyUpdate(d, Y.encodeStateAsUpdate(this.server, Y.encodeStateVector(d)));
    }
  }

  get seq(): number {
    return this.log.length;
  }

  index(): AuthorIndex {
    const index = new AuthorIndex();
    for (const run of runsOfUpdates(this.log)) index.add(run);
    index.upto = this.seq;
    return index;
  }
}

const tmpDirs: string[] = [];
afterEach(() => {
  for (const dir of tmpDirs.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
});

describe('attribution and comparison', () => {
  it('attributes every character to the user whose update inserted it', () => {
    const desk = new Desk();
    desk.edit('u_ana', (d) => storyTypes(d).synopsis.insert(0, 'Hello world'));
    desk.edit('u_ben', (d) => storyTypes(d).synopsis.insert(5, ', dear'));
    desk.edit('u_ana', (d) => storyTypes(d).synopsis.delete(0, 1));
    desk.edit('u_ben', (d) => storyTypes(d).meta.set('source', 'Agency'));
    const content = readContent(desk.server);
    const index = desk.index();
    expect(
      attributeText(content.fields.synopsis.text, content.fields.synopsis.segments, index),
    ).toEqual([
      { text: 'ello', userId: 'u_ana' },
      { text: ', dear', userId: 'u_ben' },
      { text: ' world', userId: 'u_ana' },
    ]);
    expect(
      attributeText(content.fields.source.text, content.fields.source.segments, index),
    ).toEqual([{ text: 'Agency', userId: 'u_ben' }]);
    // Unknown ids (text from before the log) are null, never guessed.
    expect(
      attributeText('ello', content.fields.synopsis.segments.slice(0, 1), new AuthorIndex()),
    ).toEqual([{ text: 'ello', userId: null }]);
  });

  it('diffs fields word by word with authors and summarizes per user', () => {
    const desk = new Desk();
    desk.edit('u_ana', (d) => {
      const t = storyTypes(d);
      t.headline.insert(0, 'Ceasefire holds');
      t.synopsis.insert(0, 'The truce held overnight. Both sides reported no shelling.');
      t.takeaways.push(['First point.', 'Second point.', 'Third point.'].map((s) => new Y.Text(s)));
    });
    const v1 = readContent(desk.server);
    const seq1 = desk.seq;
    desk.edit('u_ben', (d) => {
      const s = storyTypes(d).synopsis;
      s.delete(0, s.length);
      s.insert(0, 'Shelling stopped overnight, officials on both sides said on Monday.');
    });
    desk.edit('u_ana', (d) => storyTypes(d).takeaways.push([new Y.Text('Talks resume Friday.')]));
    const v2 = readContent(desk.server);
    const result = compareContents(v1, v2, { index: desk.index(), fromSeq: seq1, toSeq: desk.seq });

    expect(result.fields.headline.changed).toBe(false);
    const synopsis = result.fields.synopsis;
    expect(synopsis.changed).toBe(true);
    // Added text carries its author, removed text who deleted it.
    expect(synopsis.runs.filter((r) => r.op === 'added').every((r) => r.userId === 'u_ben')).toBe(
      true,
    );
    expect(synopsis.runs.filter((r) => r.op === 'removed').every((r) => r.userId === 'u_ben')).toBe(
      true,
    );
    expect(synopsis.runs.some((r) => r.op === 'same')).toBe(true);
    const rebuilt = {
      from: synopsis.runs
        .filter((r) => r.op !== 'added')
        .map((r) => r.text)
        .join(''),
      to: synopsis.runs
        .filter((r) => r.op !== 'removed')
        .map((r) => r.text)
        .join(''),
    };
    expect(rebuilt).toEqual({ from: v1.fields.synopsis.text, to: v2.fields.synopsis.text });

    const summary = describeChanges(result.changes, USERS);
    expect(summary).toMatch(
      /^Ben rewrote the synopsis \(\+\d+ −\d+ words\); Ana added takeaway 4$/,
    );
    const ben = result.changes.find((c) => c.userId === 'u_ben') as VersionChange;
    expect(ben.wordsAdded).toBe(synopsis.wordsAdded);
    expect(ben.wordsRemoved).toBe(synopsis.wordsRemoved);
    expect(result.takeaways.map((t) => t.changes)).toEqual([[], [], [], ['added']]);
  });

  it('names nobody for removals when comparing backwards, and reports identical states as unchanged', () => {
    const desk = new Desk();
    desk.edit('u_ana', (d) => storyTypes(d).body.insert(0, 'One two three.'));
    const a = readContent(desk.server);
    const seqA = desk.seq;
    desk.edit('u_ben', (d) => storyTypes(d).body.delete(3, 4));
    const b = readContent(desk.server);
    const back = compareContents(b, a, { index: desk.index(), fromSeq: desk.seq, toSeq: seqA });
    expect(back.fields.body.runs).toEqual([
      { op: 'same', text: 'One', userId: null },
      { op: 'added', text: ' two', userId: 'u_ana' },
      { op: 'same', text: ' three.', userId: null },
    ]);
    const same = compareContents(a, a, { index: desk.index(), fromSeq: seqA, toSeq: seqA });
    expect(same.changed).toBe(false);
    expect(same.changes).toEqual([]);
  });

  it('rebuilds the exact state at every point from a gc snapshot plus the log after it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'copydesk-rebuild-'));
    tmpDirs.push(dir);
    const storage = new SqliteStorage({ file: path.join(dir, 'db.sqlite') });
    await storage.migrate();
    const desk = new Desk();
    const states: string[] = [];
    const contents: DocContent[] = [];
    for (let i = 0; i < 40; i++) {
      desk.edit(i % 2 ? 'u_ben' : 'u_ana', (d) => {
        const t = storyTypes(d);
        t.body.insert(t.body.length, `w${i} `);
        if (i % 5 === 4) t.body.delete(0, 3); // deletions leave gc'd items behind
        if (i % 7 === 0) t.takeaways.push([new Y.Text(`t${i}`)]);
        if (i % 11 === 10) t.takeaways.delete(0, 1);
      });
      states.push(JSON.stringify(readFields(desk.server)));
      contents.push(readContent(desk.server));
    }
    const first = desk.log[0] as StoredUpdate;
    await storage.createStory(
      {
        id: 'story-rebuild',
        headline: '',
        status: 'draft',
        createdAt: 0,
        createdBy: 'u_ana',
        updatedAt: 0,
        updatedBy: 'u_ana',
      },
      first,
    );
    await storage.appendUpdates('story-rebuild', desk.log.slice(1), '');
    // A gc'd snapshot at update 17, like compaction writes.
    const partial = new Y.Doc({ gc: true });
    for (const u of desk.log.slice(0, 17)) Y.applyUpdate(partial, u.update);
    await storage.saveSnapshot('story-rebuild', {
      upto: 17,
      parts: [Y.encodeStateAsUpdate(partial)],
    });
    const store = storage.history;
    for (let seq = 1; seq <= desk.seq; seq++) {
      const rebuilt = await rebuildAt(store, 'story-rebuild', seq);
      expect(JSON.stringify(readFields(rebuilt.doc))).toBe(states[seq - 1]);
      // Ids survive the snapshot: takeaway identities are the same as in the live document.
      expect(readContent(rebuilt.doc).takeaways.map((t) => t.key)).toEqual(
        contents[seq - 1]?.takeaways.map((t) => t.key),
      );
      expect(rebuilt.snapshotUpto).toBe(seq >= 17 ? 17 : 0);
      rebuilt.doc.destroy();
    }
    await storage.close();
  });
});
