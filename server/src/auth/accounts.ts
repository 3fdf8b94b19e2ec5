import { randomBytes } from 'node:crypto';
import { colorForIndex, type PublicUser, type Role } from '@copydesk/shared';
import type { Logger } from '../logger';
import type { Account, Storage } from '../storage/storage';
import { hashPassword } from './passwords';

export const toPublicUser = (a: Account): PublicUser => ({
  id: a.id,
  username: a.username,
  displayName: a.displayName,
  role: a.role,
  color: a.color,
});

export const newAccountId = (): string => `u_${randomBytes(9).toString('base64url')}`;

export const createAccount = async (
  storage: Storage,
  input: { username: string; displayName: string; role: Role; password: string },
): Promise<Account> => {
  const index = await storage.countAccounts();
  return storage.createAccount({
    id: newAccountId(),
    username: input.username,
    displayName: input.displayName,
    role: input.role,
    color: colorForIndex(index),
    passwordHash: await hashPassword(input.password),
  });
};

export const DEMO_PASSWORD = 'copydesk';
const DEMO_ACCOUNTS: { username: string; displayName: string; role: Role }[] = [
  { username: 'ana', displayName: 'Ana', role: 'editor' },
  { username: 'ben', displayName: 'Ben', role: 'editor' },
  { username: 'carla', displayName: 'Carla', role: 'chief' },
  { username: 'vic', displayName: 'Vic', role: 'viewer' },
];

/** Creates the demo desk on an empty account table, never in production. */
export const seedDemoAccounts = async (
  storage: Storage,
  options: { production: boolean; logger: Logger },
): Promise<void> => {
  if (options.production || (await storage.countAccounts()) > 0) return;
  for (const demo of DEMO_ACCOUNTS) {
    try {
      await createAccount(storage, { ...demo, password: DEMO_PASSWORD });
    } catch (err) {
      // Several instances starting together on one empty database: another one won the race.
      if (!(await storage.findAccountByUsername(demo.username))) throw err;
    }
  }
  options.logger.warn(
    { accounts: DEMO_ACCOUNTS.map((a) => a.username) },
    `created demo accounts with the password "${DEMO_PASSWORD}" (not in production)`,
  );
};
