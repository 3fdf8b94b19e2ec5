import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import type * as Y from 'yjs';

/** The automerge-paper editing trace (see ../shared/traces/README.md). */

export type Patch = [position: number, deleteCount: number, insert: string];

export interface Trace {
  startContent: string;
  endContent: string;
  txns: { patches: Patch[] }[];
}

export const DEFAULT_TRACE = path.resolve(
  fileURLToPath(new URL('../../..', import.meta.url)),
  '../shared/traces/automerge-paper.json.gz',
);

const isTrace = (value: unknown): value is Trace => {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return (
    typeof v.endContent === 'string' && typeof v.startContent === 'string' && Array.isArray(v.txns)
  );
};

const cache = new Map<string, Trace>();

export const loadTrace = (file: string): Trace => {
  const cached = cache.get(file);
  if (cached) return cached;
  const parsed: unknown = JSON.parse(gunzipSync(fs.readFileSync(file)).toString('utf8'));
  if (!isTrace(parsed)) throw new Error(`${file} is not an editing trace`);
  cache.set(file, parsed);
  return parsed;
};

/** Number of edits actually replayed for a requested limit (0 or more than the trace: all). */
export const editCount = (trace: Trace, limit: number): number =>
  limit > 0 ? Math.min(limit, trace.txns.length) : trace.txns.length;

const contentCache = new Map<string, string>();

/** The text after the first `edits` transactions (the file's endContent for the whole trace). */
export const contentAfter = (trace: Trace, file: string, edits: number): string => {
  if (edits >= trace.txns.length) return trace.endContent;
  const key = `${file}#${edits}`;
  const cached = contentCache.get(key);
  if (cached !== undefined) return cached;
  // Chunks of ~2k characters keep each splice cheap.
  const chunks: string[] = [trace.startContent];
  const splice = (pos: number, del: number, ins: string) => {
    let i = 0;
    let offset = pos;
    while (i < chunks.length - 1 && offset > (chunks[i] as string).length) {
      offset -= (chunks[i] as string).length;
      i++;
    }
    let chunk = chunks[i] as string;
    if (del > 0 && offset + del > chunk.length) {
      // The deletion crosses chunks: merge following chunks first.
      while (offset + del > chunk.length && i < chunks.length - 1) {
        chunk += chunks[i + 1] as string;
        chunks.splice(i + 1, 1);
      }
    }
    chunk = chunk.slice(0, offset) + ins + chunk.slice(offset + del);
    if (chunk.length > 4096) {
      chunks.splice(i, 1, chunk.slice(0, 2048), chunk.slice(2048));
    } else {
      chunks[i] = chunk;
    }
  };
  for (let t = 0; t < edits; t++) {
    for (const [pos, del, ins] of (trace.txns[t] as { patches: Patch[] }).patches)
      splice(pos, del, ins);
  }
  const text = chunks.join('');
  contentCache.set(key, text);
  return text;
};

/** Applies one transaction of the trace to a Y.Text, as one Yjs transaction. */
export const applyTxn = (doc: Y.Doc, text: Y.Text, txn: { patches: Patch[] }): void => {
  doc.transact(() => {
    for (const [pos, del, ins] of txn.patches) {
      if (del > 0) text.delete(pos, del);
      if (ins.length > 0) text.insert(pos, ins);
    }
  });
};
