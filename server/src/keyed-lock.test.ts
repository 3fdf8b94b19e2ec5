import { describe, expect, it } from 'vitest';
import { KeyedLock } from './keyed-lock';

/** A promise with its resolve function, to hold a piece of work open. */
const gate = () => {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
};

describe('KeyedLock', () => {
  it('runs the work of one key one piece at a time, in the order asked', async () => {
    const lock = new KeyedLock();
    const order: string[] = [];
    const first = gate();
    const a = lock.run('story', async () => {
      order.push('a starts');
      await first.promise;
      order.push('a ends');
    });
    const b = lock.run('story', async () => {
      order.push('b');
    });
    await Promise.resolve();
    expect(order).toEqual(['a starts']);
    first.open();
    await Promise.all([a, b]);
    expect(order).toEqual(['a starts', 'a ends', 'b']);
  });

  it('does not hold one key behind another', async () => {
    const lock = new KeyedLock();
    const held = gate();
    const slow = lock.run('one', () => held.promise);
    await expect(lock.run('two', async () => 'done')).resolves.toBe('done');
    held.open();
    await slow;
  });

  it('goes on after a failure, which reaches only its own caller', async () => {
    const lock = new KeyedLock();
    const failed = lock.run('story', async () => {
      throw new Error('broken');
    });
    const next = lock.run('story', async () => 'next');
    await expect(failed).rejects.toThrow('broken');
    await expect(next).resolves.toBe('next');
  });

  it('tells which keys have work, and when that work has settled', async () => {
    const lock = new KeyedLock();
    const held = gate();
    let finished = false;
    void lock.run('story', async () => {
      await held.promise;
      finished = true;
    });
    expect(lock.held('story')).toBe(true);
    expect(lock.held('other')).toBe(false);
    expect([...lock.keys()]).toEqual(['story']);
    const settled = lock.settled();
    held.open();
    await settled;
    expect(finished).toBe(true);
    // The key is released a turn of microtasks after its work.
    await new Promise<void>((resolve) => setImmediate(resolve));
    expect(lock.held('story')).toBe(false);
  });
});
