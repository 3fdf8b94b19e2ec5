import { describe, expect, it } from 'vitest';
import {
  matchTakeaways,
  similarity,
  type TakeawayItem,
  type TakeawayMatch,
} from './takeaway-match';

const item = (key: string | null, text: string): TakeawayItem => ({ key, text });

/** Compact view: "kind from→to" per display row. */
const view = (matches: TakeawayMatch[]): string[] =>
  matches.map((m) => {
    if (m.toIndex === null) return `removed ${m.fromIndex}`;
    if (m.fromIndex === null) return `added ${m.toIndex}`;
    const flags = [m.moved ? 'moved' : '', m.edited ? 'edited' : ''].filter(Boolean).join('+');
    return `${flags || 'same'} ${m.fromIndex}→${m.toIndex} (${m.matchedBy})`;
  });

const A = item('1:0', 'Talks begin in Geneva on Monday.');
const B = item('1:40', 'Both sides agreed to a ceasefire.');
const C = item('2:0', 'Prisoner exchange planned for spring.');
const D = item('2:50', 'Sanctions stay in place for now.');

describe('similarity', () => {
  it('is 1 for equal texts, 0 for unrelated ones, in between for edits', () => {
    expect(similarity('a b c', 'a b c')).toBe(1);
    expect(similarity('Talks begin', 'Markets fall')).toBe(0);
    const s = similarity('Talks begin in Geneva on Monday.', 'Talks begin in Vienna on Monday.');
    expect(s).toBeGreaterThan(0.8);
    expect(s).toBeLessThan(1);
    expect(similarity('Talks', 'talks!')).toBe(1);
    expect(similarity('', 'x')).toBe(0);
    expect(similarity('—', '—')).toBe(1);
  });
});

describe('matchTakeaways', () => {
  it('reports nothing for identical lists', () => {
    expect(view(matchTakeaways([A, B, C], [A, B, C]))).toEqual([
      'same 0→0 (identity)',
      'same 1→1 (identity)',
      'same 2→2 (identity)',
    ]);
  });

  it('handles empty lists', () => {
    expect(matchTakeaways([], [])).toEqual([]);
    expect(view(matchTakeaways([], [A, B]))).toEqual(['added 0', 'added 1']);
    expect(view(matchTakeaways([A, B], []))).toEqual(['removed 0', 'removed 1']);
  });

  it('finds added takeaways anywhere', () => {
    expect(view(matchTakeaways([A, C], [D, A, B, C]))).toEqual([
      'added 0',
      'same 0→1 (identity)',
      'added 2',
      'same 1→3 (identity)',
    ]);
  });

  it('finds removed takeaways and shows them where they were', () => {
    expect(view(matchTakeaways([A, B, C, D], [A, D]))).toEqual([
      'same 0→0 (identity)',
      'removed 1',
      'removed 2',
      'same 3→1 (identity)',
    ]);
    expect(view(matchTakeaways([A, B, C], [B]))).toEqual([
      'removed 0',
      'same 1→0 (identity)',
      'removed 2',
    ]);
  });

  it('reports an edit in place by identity, even when the whole text changed', () => {
    const rewritten = item(A.key, 'Completely different wording now.');
    const light = item(B.key, 'Both sides agreed to a full ceasefire.');
    const matches = matchTakeaways([A, B], [rewritten, light]);
    expect(view(matches)).toEqual(['edited 0→0 (identity)', 'edited 1→1 (identity)']);
  });

  it('reports a move (delete + new Y.Text with the same text) as moved, not added/removed', () => {
    // The protocol's move: B deleted, a new Y.Text with B's text inserted at the end.
    const movedB = item('9:0', B.text);
    expect(view(matchTakeaways([A, B, C], [A, C, movedB]))).toEqual([
      'same 0→0 (identity)',
      'same 2→1 (identity)',
      'moved 1→2 (text)',
    ]);
  });

  it('reports the re-created takeaway as the moved one when two swap', () => {
    const movedA = item('9:0', A.text);
    // A moved after B: identity keeps B in place.
    expect(view(matchTakeaways([A, B], [B, movedA]))).toEqual([
      'same 1→0 (identity)',
      'moved 0→1 (text)',
    ]);
    // Without identities, one of the two is reported as moved, never added/removed.
    const plain = matchTakeaways(
      [item(null, 'one'), item(null, 'two')],
      [item(null, 'two'), item(null, 'one')],
    );
    expect(plain.filter((m) => m.moved)).toHaveLength(1);
    expect(plain.every((m) => m.fromIndex !== null && m.toIndex !== null && !m.edited)).toBe(true);
  });

  it('reports moved and edited together', () => {
    const movedEdited = item('9:0', 'Talks begin in Vienna on Monday.');
    expect(view(matchTakeaways([A, B, C], [B, C, movedEdited]))).toEqual([
      'same 1→0 (identity)',
      'same 2→1 (identity)',
      'moved+edited 0→2 (text)',
    ]);
  });

  it('matches by text similarity when identities are unknown, and keeps unrelated ones apart', () => {
    const from = [
      item(null, 'Talks begin in Geneva on Monday.'),
      item(null, 'Oil prices rose sharply.'),
    ];
    const to = [
      item(null, 'Talks begin in Vienna on Monday.'),
      item(null, 'The central bank held rates.'),
    ];
    expect(view(matchTakeaways(from, to))).toEqual(['edited 0→0 (text)', 'removed 1', 'added 1']);
  });

  it('prefers the most similar candidate and equal texts first', () => {
    const from = [
      item(null, 'Rates held at 4 percent.'),
      item(null, 'Rates held at 4 percent, bank says.'),
    ];
    const to = [
      item(null, 'Rates held at 4 percent, bank says.'),
      item(null, 'Rates held at 4.5 percent.'),
    ];
    const matches = matchTakeaways(from, to);
    // Equal text pairs first; of the two crossing pairs the unchanged one stays in place.
    expect(view(matches)).toEqual(['same 1→0 (text)', 'moved+edited 0→1 (text)']);
  });

  it('pairs duplicated texts in order and reports the extra copy as added', () => {
    const dupFrom = [item('1:0', 'Same line.'), item('1:20', 'Other.')];
    const dupTo = [item('1:0', 'Same line.'), item('1:20', 'Other.'), item('5:0', 'Same line.')];
    expect(view(matchTakeaways(dupFrom, dupTo))).toEqual([
      'same 0→0 (identity)',
      'same 1→1 (identity)',
      'added 2',
    ]);
  });

  it('ignores an identity used twice (corrupt input) and falls back to text', () => {
    const from = [item('1:0', 'First.'), item('1:0', 'Second.')];
    const to = [item('1:0', 'Second.')];
    expect(view(matchTakeaways(from, to))).toEqual(['removed 0', 'same 1→0 (text)']);
  });

  it('handles a combined change: add, remove, move, edit at once', () => {
    const editedC = item(C.key, 'Prisoner exchange planned for March.');
    const movedB = item('7:0', B.text);
    const E = item('8:0', 'Markets rallied on the news.');
    const matches = matchTakeaways([A, B, C, D], [A, editedC, E, movedB]);
    expect(view(matches)).toEqual([
      'same 0→0 (identity)',
      'edited 2→1 (identity)',
      'removed 3',
      'added 2',
      'moved 1→3 (text)',
    ]);
  });

  it('counts every takeaway exactly once on each side', () => {
    const random = (() => {
      let seed = 3;
      return () => {
        seed = (seed * 16807) % 2147483647;
        return seed / 2147483647;
      };
    })();
    for (let round = 0; round < 200; round++) {
      const from = Array.from({ length: Math.floor(random() * 8) }, (_, i) =>
        item(random() < 0.8 ? `1:${i}` : null, `Takeaway ${Math.floor(random() * 5)} text ${i}`),
      );
      const to = [...from]
        .filter(() => random() < 0.8)
        .map((t) => (random() < 0.3 ? item(t.key, `${t.text} more`) : t));
      if (random() < 0.5)
        to.splice(Math.floor(random() * (to.length + 1)), 0, item('9:9', 'New one'));
      if (to.length > 1 && random() < 0.5) {
        const [moved] = to.splice(0, 1);
        if (moved) to.push(item('8:8', moved.text));
      }
      const matches = matchTakeaways(from, to);
      const froms = matches.flatMap((m) => (m.fromIndex === null ? [] : [m.fromIndex])).sort();
      const tos = matches.flatMap((m) => (m.toIndex === null ? [] : [m.toIndex]));
      expect(froms).toEqual(from.map((_, i) => i).sort());
      expect(tos).toEqual(to.map((_, j) => j));
      for (const m of matches) {
        if (m.fromIndex !== null && m.toIndex !== null) {
          expect(m.edited).toBe(from[m.fromIndex]?.text !== to[m.toIndex]?.text);
        }
      }
    }
  });
});
