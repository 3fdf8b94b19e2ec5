import { isDeepStrictEqual } from 'node:util';
import type { PublicUser } from '@copydesk/shared';

// Accounts with open sync connections: the per-account limit, and one shared identity each.

/**
 * An account with connections: how many are open, and one copy of its public identity and
 * password version that they all share (a newsroom has few accounts and many tabs; a copy per
 * socket was ~250 bytes of each socket's heap).
 */
export interface ConnectedAccount {
  open: number;
  user: PublicUser;
  passwordVersion: string;
}

export class ConnectedAccounts {
  private readonly accounts = new Map<string, ConnectedAccount>();

  /** The account's entry, holding this session's identity (the one copy its sockets share). */
  entry(user: PublicUser, passwordVersion: string): ConnectedAccount {
    let account = this.accounts.get(user.id);
    if (!account) {
      account = { open: 0, user, passwordVersion };
      this.accounts.set(user.id, account);
    } else if (
      account.passwordVersion !== passwordVersion ||
      !isDeepStrictEqual(account.user, user)
    ) {
      account.user = user;
      account.passwordVersion = passwordVersion;
    }
    return account;
  }

  /** A connection of the account's is open: it counts against the per-account limit. */
  admit(account: ConnectedAccount): void {
    account.open++;
  }

  /** The entry was made for a connection that is not counted after all. */
  forgetUnused(userId: string): void {
    if (this.accounts.get(userId)?.open === 0) this.accounts.delete(userId);
  }

  /** One of the account's connections closed. */
  release(userId: string): void {
    const account = this.accounts.get(userId);
    if (account && --account.open <= 0) this.accounts.delete(userId);
  }
}
