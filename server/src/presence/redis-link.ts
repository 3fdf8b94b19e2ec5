import { Redis, type RedisOptions } from 'ioredis';
import type { Logger } from '../logger';

export interface RedisLinkOptions {
  url: string;
  /** Every key and pub/sub channel of this deployment starts with it (e.g. `copydesk:`). */
  keyPrefix: string;
  logger: Logger;
  /** Shown in CLIENT LIST, e.g. `copydesk:<instanceId>`. */
  name: string;
  /** Reconnect back-off cap (jittered). Default 2 s. */
  maxBackoffMs?: number;
  connectTimeoutMs?: number;
  /** A command that gets no answer in this time fails (a hung Redis must not hang presence). */
  commandTimeoutMs?: number;
}

type Role = 'cmd' | 'pub' | 'sub';

/**
 * The three Redis connections of one server instance: `cmd` (presence scripts), `pub` and `sub`
 * (the Socket.IO adapter). ioredis reconnects forever with jittered back-off and re-subscribes
 * by itself. The link is *ready* only when all three are connected and the subscriber has
 * confirmed its subscriptions (a PING answered after them), so nothing re-published after a
 * Redis restart can be missed by this instance's subscriber.
 *
 * `cmd` and `pub` never queue commands while disconnected: a command fails at once and
 * presence turns degraded instead of replaying stale writes later. `pub.publish` is wrapped so a
 * failed publish (the adapter does not catch it) is logged, never an unhandled rejection.
 */
export class RedisLink {
  readonly cmd: Redis;
  readonly pub: Redis;
  readonly sub: Redis;
  readonly keyPrefix: string;
  private ready = false;
  private closed = false;
  private checking = false;
  private everReady = false;
  private readonly listeners = new Set<(ready: boolean) => void>();
  private readonly logger: Logger;

  constructor(options: RedisLinkOptions) {
    this.logger = options.logger;
    this.keyPrefix = options.keyPrefix;
    const maxBackoff = options.maxBackoffMs ?? 2_000;
    const base: RedisOptions = {
      connectionName: options.name,
      connectTimeout: options.connectTimeoutMs ?? 2_000,
      commandTimeout: options.commandTimeoutMs ?? 2_000,
      retryStrategy: (times) =>
        Math.round(Math.min(50 * 2 ** Math.min(times, 10), maxBackoff) * (0.5 + Math.random() / 2)),
      // Fail fast while disconnected; the presence store re-publishes on reconnect.
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      autoResendUnfulfilledCommands: false,
      lazyConnect: false,
    };
    this.cmd = new Redis(options.url, base);
    this.pub = new Redis(options.url, base);
    // The subscriber queues its (p)subscribe calls until connected and re-subscribes itself.
    this.sub = new Redis(options.url, {
      ...base,
      commandTimeout: undefined,
      enableOfflineQueue: true,
      maxRetriesPerRequest: null,
      autoResendUnfulfilledCommands: true,
      autoResubscribe: true,
    });
    const originalPublish = this.pub.publish.bind(this.pub) as (
      channel: string,
      message: string | Buffer,
    ) => Promise<number>;
    Object.assign(this.pub, {
      publish: (channel: string, message: string | Buffer): Promise<number> =>
        originalPublish(channel, message).catch((err: unknown) => {
          this.logger.debug({ err }, 'desk event not published to Redis (degraded)');
          return 0;
        }),
    });
    const roles: [Role, Redis][] = [
      ['cmd', this.cmd],
      ['pub', this.pub],
      ['sub', this.sub],
    ];
    for (const [role, client] of roles) {
      client.on('ready', () => void this.evaluate());
      client.on('close', () => void this.evaluate());
      client.on('end', () => void this.evaluate());
      client.on('error', (err: Error) => {
        // Connection errors repeat on every retry: log them quietly; state changes are logged.
        this.logger.debug({ err: err.message, role }, 'redis connection error');
      });
    }
  }

  isReady(): boolean {
    return this.ready;
  }

  onReadyChange(listener: (ready: boolean) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Resolves true when ready, false when the first attempt failed or timed out (retries go on). */
  connect(timeoutMs = 3_000): Promise<boolean> {
    if (this.ready) return Promise.resolve(true);
    return new Promise((resolve) => {
      let done = false;
      const finish = (value: boolean) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        off();
        this.cmd.off('error', onError);
        resolve(value);
      };
      const timer = setTimeout(() => finish(false), timeoutMs);
      timer.unref();
      const off = this.onReadyChange((ready) => ready && finish(true));
      // The first connection error: do not wait for the timeout to start degraded.
      const onError = () => finish(false);
      this.cmd.once('error', onError);
    });
  }

  private allConnected(): boolean {
    return (
      this.cmd.status === 'ready' && this.pub.status === 'ready' && this.sub.status === 'ready'
    );
  }

  private async evaluate(): Promise<void> {
    if (this.closed) return;
    if (!this.allConnected()) return this.setReady(false);
    if (this.ready || this.checking) return;
    this.checking = true;
    try {
      // Answered after any (re-)subscription sent on reconnect: subscriptions are live.
      await this.sub.ping();
    } catch {
      return;
    } finally {
      this.checking = false;
    }
    if (this.allConnected()) this.setReady(true);
  }

  private setReady(ready: boolean): void {
    if (this.ready === ready || this.closed) return;
    this.ready = ready;
    if (ready) {
      this.logger.info(this.everReady ? 'redis reconnected' : 'redis connected');
      this.everReady = true;
    } else {
      this.logger.warn('redis connection lost; presence degraded until it is back');
    }
    for (const listener of this.listeners) listener(ready);
  }

  async close(): Promise<void> {
    this.closed = true;
    this.ready = false;
    await Promise.all(
      [this.cmd, this.pub, this.sub].map(async (client) => {
        if (client.status === 'ready') {
          await client.quit().catch(() => client.disconnect());
        } else {
          client.disconnect();
        }
      }),
    );
  }
}
