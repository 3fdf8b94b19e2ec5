/**
 * Cost of validating a client's update before applying it (the sync hot path).
 * Run: node --import tsx server/src/sync/validate-bench.ts
 *
 * Replays a typing session (single-character inserts and deletes, as a CodeMirror binding sends
 * them) into a story of realistic size, and times Y.applyUpdate alone vs. validateUpdate + apply.
 */
import * as Y from 'yjs';
import { type DocState, validateUpdate } from './update-validator';

const prepare = (edits: number) => {
  const author = new Y.Doc();
  const body = author.getText('body');
  body.insert(0, 'Lorem ipsum dolor sit amet. '.repeat(800)); // ~22 KB story
  const base = Y.encodeStateAsUpdate(author);
  const updates: Uint8Array[] = [];
  author.on('update', (u: Uint8Array) => updates.push(u));
  let seed = 7;
  const rand = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647;
  };
  for (let i = 0; i < edits; i++) {
    const at = Math.floor(rand() * body.length);
    if (rand() < 0.8) body.insert(at, 'x');
    else body.delete(at, 1);
  }
  return { base, updates };
};

const docState = (doc: Y.Doc): DocState => ({
  stateOf: (client) => Y.getState(doc.store, client),
  hasRoot: (name) => doc.share.has(name),
  get rootCount() {
    return doc.share.size;
  },
});

const run = (validate: boolean, base: Uint8Array, updates: Uint8Array[]): number => {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, base);
  const state = docState(doc);
  const started = process.hrtime.bigint();
  for (const u of updates) {
    if (validate) validateUpdate(u, state);
    Y.applyUpdate(doc, u.slice());
  }
  const ns = Number(process.hrtime.bigint() - started);
  doc.destroy();
  return ns / updates.length / 1000;
};

const { base, updates } = prepare(20_000);
const bytes = updates.reduce((n, u) => n + u.byteLength, 0) / updates.length;
// Warm up both paths, then alternate to even out noise.
run(false, base, updates);
run(true, base, updates);
const plain: number[] = [];
const checked: number[] = [];
for (let i = 0; i < 5; i++) {
  plain.push(run(false, base, updates));
  checked.push(run(true, base, updates));
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
const validateOnly = (() => {
  const doc = new Y.Doc();
  Y.applyUpdate(doc, base);
  for (const u of updates) Y.applyUpdate(doc, u);
  // Re-validating already-applied updates walks the same bytes (they are no-ops now).
  const state = docState(doc);
  const started = process.hrtime.bigint();
  for (let r = 0; r < 5; r++) for (const u of updates) validateUpdate(u, state);
  return Number(process.hrtime.bigint() - started) / (updates.length * 5) / 1000;
})();
console.log(
  JSON.stringify(
    {
      edits: updates.length,
      avgUpdateBytes: Math.round(bytes * 10) / 10,
      applyOnlyMicros: Math.round(median(plain) * 100) / 100,
      validatePlusApplyMicros: Math.round(median(checked) * 100) / 100,
      validateOnlyMicros: Math.round(validateOnly * 100) / 100,
    },
    null,
    2,
  ),
);
