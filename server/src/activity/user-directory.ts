import type { CommentUser } from '@copydesk/shared';
import type { Account, Storage } from '../storage/storage';

/** How a user id with no account (e.g. `system`, a deleted account) is shown. */
export const unknownUser = (id: string): CommentUser => ({
  id,
  username: id,
  displayName: id === 'system' ? 'Copydesk' : 'Unknown user',
  color: '#6b7280',
  role: null,
});

const toUser = (a: Account): CommentUser => ({
  id: a.id,
  username: a.username,
  displayName: a.displayName,
  color: a.color,
  role: a.role,
});

/**
 * Names and colours of accounts for feeds and comments, read from the account table (never
 * from a client) and cached briefly: a desk has tens of accounts, a feed shows them constantly.
 */
export class UserDirectory {
  private byId = new Map<string, Account>();
  private loadedAt = 0;
  private loading: Promise<void> | null = null;

  constructor(
    private readonly storage: Storage,
    private readonly ttlMs = 5_000,
  ) {}

  private async refresh(force: boolean): Promise<void> {
    if (!force && Date.now() - this.loadedAt < this.ttlMs) return;
    this.loading ??= (async () => {
      try {
        const accounts = await this.storage.listAccounts();
        this.byId = new Map(accounts.map((a) => [a.id, a]));
        this.loadedAt = Date.now();
      } finally {
        this.loading = null;
      }
    })();
    await this.loading;
  }

  /** The users with these ids (unknown ids get a neutral placeholder). */
  async users(ids: Iterable<string>): Promise<Map<string, CommentUser>> {
    await this.refresh(false);
    const wanted = [...new Set(ids)];
    if (wanted.some((id) => !this.byId.has(id) && id !== 'system')) await this.refresh(true);
    return new Map(
      wanted.map((id) => {
        const account = this.byId.get(id);
        return [id, account ? toUser(account) : unknownUser(id)];
      }),
    );
  }

  async user(id: string): Promise<CommentUser> {
    return (await this.users([id])).get(id) ?? unknownUser(id);
  }

  /** Enabled accounts by lower-cased username (for @mentions). */
  async byUsernames(usernames: string[]): Promise<Account[]> {
    if (usernames.length === 0) return [];
    await this.refresh(true);
    const wanted = new Set(usernames.map((u) => u.toLowerCase()));
    return [...this.byId.values()].filter(
      (a) => !a.disabled && wanted.has(a.username.toLowerCase()),
    );
  }
}
