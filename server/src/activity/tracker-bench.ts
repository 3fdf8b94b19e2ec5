/**
 * Cost of the activity feed's working copy per logged update (what the tracker worker spends).
 * Run: node --import tsx server/src/activity/tracker-bench.ts
 *
 * Replays the benchmark's typing — each editor appends tokens to the body in turn, from a Yjs
 * client of their own — into one StoryTracker per story, in rounds as the recorder runs them,
 * and prints the median over five passes of µs per update. The last case is a live story: five
 * people typing in turn at the end of one body for 5,000 updates.
 */
import * as Y from 'yjs';
import type { StoredUpdate } from '../storage/storage';
import { groupRuns, StoryTracker } from './story-tracker';

interface Case {
  name: string;
  stories: number;
  editors: number;
  updatesPerStory: number;
  round: number;
}

const CASES: Case[] = [
  {
    name: 'fan-out 100x2 (200 updates a story)',
    stories: 100,
    editors: 2,
    updatesPerStory: 200,
    round: 20,
  },
  {
    name: 'fan-out 20x5 (500 updates a story)',
    stories: 20,
    editors: 5,
    updatesPerStory: 500,
    round: 50,
  },
  {
    name: 'live story 1x5 (5,000 updates)',
    stories: 1,
    editors: 5,
    updatesPerStory: 5000,
    round: 50,
  },
];

const typeStory = (story: number, c: Case): StoredUpdate[] => {
  const docs = Array.from({ length: c.editors }, (_, e) => {
    const doc = new Y.Doc();
    doc.clientID = 1000 * story + e + 1;
    return doc;
  });
  const log: StoredUpdate[] = [];
  for (let i = 0; i < c.updatesPerStory; i++) {
    const editor = i % c.editors;
    const doc = docs[editor] as Y.Doc;
    const captured: Uint8Array[] = [];
    const capture = (u: Uint8Array) => captured.push(u);
    doc.on('update', capture);
    const body = doc.getText('body');
    body.insert(body.length, `[${editor}.${i}.${1_733_600_000_000_000 + i * 40_000}]`);
    doc.off('update', capture);
    for (const u of captured) {
      for (const other of docs) if (other !== doc) Y.applyUpdate(other, u);
      log.push({ seq: log.length + 1, userId: `user${editor}`, at: 1_000_000 + i * 40, update: u });
    }
  }
  return log;
};

const pass = (logs: StoredUpdate[][], c: Case): number => {
  const trackers = logs.map((_, s) => new StoryTracker(`st_${s}`, null, 0));
  const start = process.hrtime.bigint();
  let applied = 0;
  for (let from = 0; from < c.updatesPerStory; from += c.round) {
    for (const [s, log] of logs.entries()) {
      const tracker = trackers[s] as StoryTracker;
      const batch = log.slice(from, from + c.round);
      for (const run of groupRuns(batch)) tracker.applyRun(run);
      tracker.drain();
      applied += batch.length;
    }
  }
  const micros = Number(process.hrtime.bigint() - start) / 1000;
  for (const t of trackers) t.destroy();
  return micros / applied;
};

const rows: string[][] = [['case', 'updates', 'µs/update (median of 5)', 'range']];
for (const c of CASES) {
  const logs = Array.from({ length: c.stories }, (_, s) => typeStory(s, c));
  const runs = Array.from({ length: 5 }, () => pass(logs, c)).sort((a, b) => a - b);
  rows.push([
    c.name,
    String(c.stories * c.updatesPerStory),
    (runs[2] as number).toFixed(1),
    `${(runs[0] as number).toFixed(1)}–${(runs[4] as number).toFixed(1)}`,
  ]);
}
const widths = (rows[0] as string[]).map((_, i) =>
  Math.max(...rows.map((r) => (r[i] as string).length)),
);
for (const [i, row] of rows.entries()) {
  console.log(row.map((cell, j) => cell.padEnd(widths[j] as number)).join('  '));
  if (i === 0) console.log(widths.map((w) => '-'.repeat(w)).join('  '));
}
