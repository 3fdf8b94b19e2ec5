import { CloseCode } from '@copydesk/shared';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { WebsocketProvider } from 'y-websocket';
import { shouldReconnectWithJitter } from './jitteredReconnect';

const fakeProvider = () => {
  const connectedAt: number[] = [];
  const provider = {
    on: () => undefined,
    connect: () => connectedAt.push(Date.now()),
  } as unknown as WebsocketProvider;
  return { provider, connectedAt };
};

const close = (code: number) => ({ code }) as CloseEvent;

describe('reconnecting after a server close', () => {
  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(0);
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('spreads the clients of a dead instance over time instead of returning in lockstep', () => {
    const clients = Array.from({ length: 50 }, () => {
      const fake = fakeProvider();
      const decide = shouldReconnectWithJitter(() => fake.provider);
      // y-websocket's own retry is switched off; the jittered one takes over.
      expect(decide(close(CloseCode.serviceRestart))).toBe(false);
      return fake;
    });
    vi.advanceTimersByTime(250);
    const times = clients.map((c) => c.connectedAt[0]);
    expect(times.every((t) => t !== undefined && t >= 0 && t <= 250)).toBe(true);
    expect(new Set(times).size).toBeGreaterThan(25);
  });

  it('backs off exponentially while the server stays away, and never retries fatal closes', () => {
    const fake = fakeProvider();
    const decide = shouldReconnectWithJitter(() => fake.provider);
    for (let attempt = 0; attempt < 6; attempt++) {
      decide(close(1006));
      vi.advanceTimersByTime(250 * 2 ** attempt);
      expect(fake.connectedAt).toHaveLength(attempt + 1);
    }
    for (const code of [CloseCode.unauthenticated, CloseCode.forbidden, CloseCode.unknownStory]) {
      expect(decide(close(code))).toBe(false);
    }
    vi.advanceTimersByTime(60_000);
    expect(fake.connectedAt).toHaveLength(6);
  });
});
