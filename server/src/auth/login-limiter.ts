/**
 * Failed-login counters per account and per client address, in memory (per instance).
 *
 * A key that reached its limit is refused — before the password is even checked — until its
 * window ends. The window starts at the first failure. A successful login clears the account's
 * counter (not the address's: one address may try many accounts).
 */
export interface LoginLimiterOptions {
  maxFailuresPerAccount: number;
  maxFailuresPerAddress: number;
  windowMs: number;
  /** Bound on remembered keys per kind; the oldest are forgotten first. */
  maxKeys?: number;
  now?: () => number;
}

interface Counter {
  failures: number;
  resetAt: number;
}

class FailureCounters {
  private readonly counters = new Map<string, Counter>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly maxKeys: number,
  ) {}

  /** Milliseconds until `key` may try again, or 0. */
  blockedFor(key: string, now: number): number {
    const counter = this.counters.get(key);
    if (!counter) return 0;
    if (counter.resetAt <= now) {
      this.counters.delete(key);
      return 0;
    }
    return counter.failures >= this.limit ? counter.resetAt - now : 0;
  }

  fail(key: string, now: number): void {
    const counter = this.counters.get(key);
    if (counter && counter.resetAt > now) {
      counter.failures += 1;
      return;
    }
    this.counters.delete(key);
    if (this.counters.size >= this.maxKeys) this.prune(now);
    this.counters.set(key, { failures: 1, resetAt: now + this.windowMs });
  }

  clear(key: string): void {
    this.counters.delete(key);
  }

  private prune(now: number): void {
    for (const [key, counter] of this.counters) {
      if (counter.resetAt <= now) this.counters.delete(key);
    }
    // Still full: forget the oldest windows (Map iterates in insertion order).
    for (const key of this.counters.keys()) {
      if (this.counters.size < this.maxKeys) break;
      this.counters.delete(key);
    }
  }
}

export class LoginLimiter {
  private readonly accounts: FailureCounters;
  private readonly addresses: FailureCounters;
  private readonly now: () => number;

  constructor(options: LoginLimiterOptions) {
    const maxKeys = options.maxKeys ?? 50_000;
    this.accounts = new FailureCounters(options.maxFailuresPerAccount, options.windowMs, maxKeys);
    this.addresses = new FailureCounters(options.maxFailuresPerAddress, options.windowMs, maxKeys);
    this.now = options.now ?? Date.now;
  }

  /** Usernames are compared case-insensitively so "Ana" and "ana" share one counter. */
  private static accountKey(username: string): string {
    return username.trim().toLowerCase();
  }

  /** Milliseconds until this attempt may be made (0: go ahead). */
  retryAfterMs(username: string, address: string): number {
    const now = this.now();
    return Math.max(
      this.accounts.blockedFor(LoginLimiter.accountKey(username), now),
      this.addresses.blockedFor(address, now),
    );
  }

  recordFailure(username: string, address: string): void {
    const now = this.now();
    this.accounts.fail(LoginLimiter.accountKey(username), now);
    this.addresses.fail(address, now);
  }

  recordSuccess(username: string): void {
    this.accounts.clear(LoginLimiter.accountKey(username));
  }
}
