import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { BulkSender } from './bulk-sender';

describe('BulkSender', () => {
  it('writes at most a turn’s worth of bytes per turn, in the order queued', async () => {
    const bulk = new BulkSender(100);
    const written: string[] = [];
    for (const name of ['a1', 'b1', 'a2', 'b2', 'a3']) bulk.enqueue(40, () => written.push(name));
    expect(written).toEqual([]); // never in the caller's turn
    await nextTurn();
    // 40 + 40 leaves budget for one more; the turn's writes may end past the budget.
    expect(written).toEqual(['a1', 'b1', 'a2']);
    expect(bulk.queued).toBe(2);
    await nextTurn();
    expect(written).toEqual(['a1', 'b1', 'a2', 'b2', 'a3']);
    expect(bulk.queued).toBe(0);
  });

  it('lets other work run between its turns', async () => {
    const bulk = new BulkSender(10);
    const order: string[] = [];
    for (let i = 0; i < 3; i++) bulk.enqueue(10, () => order.push(`part ${i}`));
    await nextTurn();
    order.push('a live edit');
    await nextTurn();
    await nextTurn();
    expect(order).toEqual(['part 0', 'a live edit', 'part 1', 'part 2']);
  });
});
