import { describe, expect, it } from 'vitest';
import { ConnectedAccounts } from './connected-accounts';
import { fixtureUser } from './test-fixtures';

const ann = fixtureUser();

describe('ConnectedAccounts', () => {
  it('gives every connection of an account the same entry, with its newest identity', () => {
    const accounts = new ConnectedAccounts();
    const first = accounts.entry(ann, 'v1');
    accounts.admit(first);
    const renamed = fixtureUser({ displayName: 'Ana B.' });
    const second = accounts.entry(renamed, 'v2');
    expect(second).toBe(first);
    expect(second.open).toBe(1);
    expect(second.user.displayName).toBe('Ana B.');
    expect(second.passwordVersion).toBe('v2');
  });

  it('forgets an account when its last connection closes, not before', () => {
    const accounts = new ConnectedAccounts();
    const entry = accounts.entry(ann, 'v1');
    accounts.admit(entry);
    accounts.admit(entry);
    accounts.release(ann.id);
    expect(accounts.entry(ann, 'v1').open).toBe(1);
    accounts.release(ann.id);
    expect(accounts.entry(ann, 'v1').open).toBe(0);
  });

  it('drops an entry no connection was counted against, and keeps one that has', () => {
    const accounts = new ConnectedAccounts();
    const unused = accounts.entry(ann, 'v1');
    accounts.forgetUnused(ann.id);
    expect(accounts.entry(ann, 'v1')).not.toBe(unused);
    const used = accounts.entry(ann, 'v1');
    accounts.admit(used);
    accounts.forgetUnused(ann.id);
    expect(accounts.entry(ann, 'v1')).toBe(used);
  });
});
