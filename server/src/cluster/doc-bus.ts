import { Redis } from 'ioredis';
import type { Logger } from '../logger';
import {
  type ClusterMessage,
  decodeClusterMessage,
  encodeClusterMessage,
} from './cluster-messages';

export type BusHandler = (message: ClusterMessage) => void;

/**
 * Carries stored updates and awareness between instances serving the same story.
 * Delivery is best effort by design: the update log in storage is the truth and rooms
 * catch up from it (see StoryRoom.catchUp), so a lost message only delays, never loses.
 */
export interface DocBus {
  readonly instanceId: string;
  readonly enabled: boolean;
  subscribe(storyId: string, handler: BusHandler): Promise<void>;
  unsubscribe(storyId: string): void;
  publish(storyId: string, message: ClusterMessage): void;
  /** Called after the bus reconnected: messages may have been missed meanwhile. */
  onReconnect(listener: () => void): void;
  healthy(): boolean;
  close(): Promise<void>;
}

/** A single instance: nobody to talk to. */
export class LocalDocBus implements DocBus {
  readonly enabled = false;
  constructor(readonly instanceId: string) {}
  async subscribe(): Promise<void> {}
  unsubscribe(): void {}
  publish(): void {}
  onReconnect(): void {}
  healthy(): boolean {
    return true;
  }
  async close(): Promise<void> {}
}

/** Redis pub/sub, one channel per story under the deployment's key prefix. */
export class RedisDocBus implements DocBus {
  readonly enabled = true;
  private readonly pub: Redis;
  private readonly sub: Redis;
  private readonly handlers = new Map<string, BusHandler>();
  private readonly reconnectListeners: (() => void)[] = [];
  private wasReady = false;

  constructor(
    readonly instanceId: string,
    private readonly options: { url: string; keyPrefix: string; logger: Logger },
  ) {
    const retryStrategy = (times: number) =>
      Math.round(Math.min(50 * 2 ** Math.min(times, 10), 2_000) * (0.5 + Math.random() / 2));
    this.pub = new Redis(options.url, {
      connectionName: `copydesk-docs-pub:${instanceId}`,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      retryStrategy,
    });
    this.sub = new Redis(options.url, {
      connectionName: `copydesk-docs-sub:${instanceId}`,
      autoResubscribe: true,
      maxRetriesPerRequest: null,
      retryStrategy,
    });
    for (const client of [this.pub, this.sub]) {
      client.on('error', (err: Error) => options.logger.debug({ err }, 'doc bus redis error'));
    }
    this.sub.on('ready', () => {
      if (this.wasReady) {
        options.logger.info('doc bus reconnected to Redis; catching up from storage');
        for (const listener of this.reconnectListeners) listener();
      }
      this.wasReady = true;
    });
    this.sub.on('messageBuffer', (channel: Buffer, payload: Buffer) => {
      const storyId = channel.toString().slice(this.channelPrefix.length);
      const handler = this.handlers.get(storyId);
      const message = decodeClusterMessage(new Uint8Array(payload));
      if (!handler || !message || message.instanceId === this.instanceId) return;
      handler(message);
    });
  }

  private get channelPrefix(): string {
    return `${this.options.keyPrefix}doc:`;
  }

  async subscribe(storyId: string, handler: BusHandler): Promise<void> {
    this.handlers.set(storyId, handler);
    try {
      await this.sub.subscribe(this.channelPrefix + storyId);
    } catch (err) {
      // Redis down: storage catch-up keeps the room converging; re-subscribed on reconnect.
      this.options.logger.warn({ err, storyId }, 'doc bus subscribe failed');
    }
  }

  unsubscribe(storyId: string): void {
    this.handlers.delete(storyId);
    this.sub.unsubscribe(this.channelPrefix + storyId).catch(() => undefined);
  }

  publish(storyId: string, message: ClusterMessage): void {
    if (this.pub.status !== 'ready') return;
    this.pub
      .publish(this.channelPrefix + storyId, Buffer.from(encodeClusterMessage(message)))
      .catch((err: unknown) =>
        this.options.logger.debug({ err, storyId }, 'doc bus publish failed'),
      );
  }

  onReconnect(listener: () => void): void {
    this.reconnectListeners.push(listener);
  }

  healthy(): boolean {
    return this.pub.status === 'ready' && this.sub.status === 'ready';
  }

  /** Resolves once both connections are up (until then, publishing drops the message). */
  async whenReady(): Promise<void> {
    await Promise.all(
      [this.pub, this.sub].map((client) =>
        client.status === 'ready'
          ? undefined
          : new Promise<void>((resolve) => client.once('ready', () => resolve())),
      ),
    );
  }

  async close(): Promise<void> {
    this.handlers.clear();
    this.pub.disconnect();
    this.sub.disconnect();
  }
}
