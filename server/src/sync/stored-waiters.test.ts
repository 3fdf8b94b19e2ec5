import { describe, expect, it } from 'vitest';
import { StoredWaiters } from './stored-waiters';

describe('StoredWaiters', () => {
  const waitersWith = (state: { allStored: boolean; failed: boolean }) =>
    new StoredWaiters({ allStored: () => state.allStored, failed: () => state.failed });

  it('runs a waiter at once when nothing is unstored, else once the batch is stored', () => {
    const state = { allStored: true, failed: false };
    const waiters = waitersWith(state);
    const ran: string[] = [];
    waiters.whenStored(() => ran.push('now'));
    state.allStored = false;
    waiters.whenStored(() => ran.push('later'));
    expect(ran).toEqual(['now']);
    state.allStored = true;
    waiters.release();
    waiters.release();
    expect(ran).toEqual(['now', 'later']);
  });

  it('answers 503 to whoever waits when storing fails, and to whoever asks after', async () => {
    const state = { allStored: false, failed: false };
    const waiters = waitersWith(state);
    const ran: string[] = [];
    waiters.whenStored(() => ran.push('sync reply'));
    const view = waiters.whenStoredAsync();
    state.failed = true;
    waiters.fail();
    await expect(view).rejects.toMatchObject({ status: 503 });
    await expect(waiters.whenStoredAsync()).rejects.toMatchObject({ status: 503 });
    waiters.release();
    expect(ran).toEqual([]);
  });

  it('resolves a view once its edits are stored', async () => {
    const state = { allStored: false, failed: false };
    const waiters = waitersWith(state);
    const view = waiters.whenStoredAsync();
    state.allStored = true;
    waiters.release();
    await expect(view).resolves.toBeUndefined();
  });
});
