import { afterEach, describe, expect, it } from 'vitest';
import { AwarenessRenewals } from './awareness-renewals';

const holders: AwarenessRenewals[] = [];
afterEach(() => {
  for (const h of holders.splice(0)) h.destroy();
});

/** A holder that records each release (when, which clients); `drained` once none is held. */
const recording = (spreadMs: number, tickMs: number) => {
  const releases: { at: number; ids: number[]; local: boolean[] }[] = [];
  let emptied = () => {};
  const drained = new Promise<void>((resolve) => {
    emptied = resolve;
  });
  const holder: AwarenessRenewals = new AwarenessRenewals({
    spreadMs,
    tickMs,
    release: (renewed) => {
      releases.push({
        at: Date.now(),
        ids: [...renewed.keys()],
        local: [...renewed.values()].map((r) => r.local),
      });
      if (holder.size === 0) emptied();
    },
  });
  holders.push(holder);
  return { holder, releases, drained };
};

describe('AwarenessRenewals', () => {
  it('lets renewals that came together out spread over several batches, each once and not early', async () => {
    const { holder, releases, drained } = recording(300, 25);
    const ids = Array.from({ length: 60 }, (_, i) => 1_000_003 * (i + 1));
    const heldAt = Date.now();
    for (const id of ids) holder.hold(id, true);
    await drained;

    const released = releases.flatMap((r) => r.ids);
    expect(released.sort()).toEqual([...ids].sort());
    // Spread, not one burst: the 60 ids' delays cover 0–300 ms.
    expect(releases.length).toBeGreaterThanOrEqual(4);
    for (const r of releases) {
      for (const id of r.ids) expect(r.at).toBeGreaterThanOrEqual(heldAt + (id % 300));
    }
    expect(releases.every((r) => r.local.every(Boolean))).toBe(true);
  });

  it('drops the renewal of a client that changed or left meanwhile', async () => {
    const { holder, releases, drained } = recording(50, 10);
    holder.hold(7, false);
    holder.hold(8, false);
    holder.drop(7);
    await drained;
    expect(releases.flatMap((r) => r.ids)).toEqual([8]);
  });

  it('keeps one turn per client, and publishes it if any of its renewals was local', async () => {
    const { holder, releases, drained } = recording(50, 10);
    holder.hold(42, false);
    holder.hold(42, true);
    holder.hold(42, false);
    expect(holder.size).toBe(1);
    await drained;
    expect(releases).toHaveLength(1);
    expect(releases[0]?.local).toEqual([true]);
  });
});
