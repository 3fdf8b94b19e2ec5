/**
 * Account management: `npm run users -- <command>` against the configured storage
 * (DATA_DIR's SQLite file, or DATABASE_URL). Works while the server runs: disabling an account
 * or changing a role reaches open connections within ACCOUNT_RECHECK_MS.
 *
 *   add <username> --role <role> [--name "Display Name"] [--password-stdin]
 *   list [--json]
 *   set-role <username> <role>
 *   set-password <username> [--password-stdin]
 *   disable <username>
 *   enable <username>
 *
 * Passwords are never taken as arguments (they would land in shell history and `ps`): with
 * --password-stdin the first line of stdin is the password, otherwise a random one is generated
 * and printed once.
 */
import { randomBytes } from 'node:crypto';
import { ROLES, type Role, RoleSchema } from '@copydesk/shared';
import { createAccount } from '../auth/accounts';
import { hashPassword } from '../auth/passwords';
import { readStorageEnv } from '../env';
import { iso } from '../iso-time';
import { createStorage } from '../storage/create-storage';
import type { Account, Storage } from '../storage/storage';

const USAGE = `Usage: npm run users -- <command>

  add <username> --role <${ROLES.join('|')}> [--name "Display Name"] [--password-stdin]
  list [--json]
  set-role <username> <${ROLES.join('|')}>
  set-password <username> [--password-stdin]
  disable <username>
  enable <username>

Without --password-stdin a random password is generated and printed once.
Storage: DATABASE_URL if set, else the SQLite file under DATA_DIR (default ./data).`;

const USERNAME = /^[a-z0-9][a-z0-9._-]{1,63}$/;
const MIN_PASSWORD = 10;
const MAX_PASSWORD = 256;

class UsageError extends Error {}
class CommandError extends Error {}

interface Parsed {
  positional: string[];
  flags: Map<string, string | true>;
}

const parseArgs = (argv: string[]): Parsed => {
  const positional: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--password-stdin' || arg === '--json' || arg === '--help' || arg === '-h') {
      flags.set(arg.replace(/^-+/, ''), true);
    } else if (arg === '--role' || arg === '--name') {
      const value = argv[++i];
      if (value === undefined) throw new UsageError(`${arg} needs a value`);
      flags.set(arg.slice(2), value);
    } else if (arg.startsWith('--role=') || arg.startsWith('--name=')) {
      const [key, ...rest] = arg.slice(2).split('=');
      flags.set(key as string, rest.join('='));
    } else if (arg.startsWith('-')) {
      throw new UsageError(`unknown option ${arg}`);
    } else {
      positional.push(arg);
    }
  }
  return { positional, flags };
};

const parseRole = (value: string | true | undefined): Role => {
  const role = RoleSchema.safeParse(value);
  if (!role.success) throw new UsageError(`role must be one of ${ROLES.join(', ')}`);
  return role.data;
};

const readStdinLine = async (): Promise<string> => {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return (Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '').trimEnd();
};

/** The password to set, plus whether it was generated here (and must be shown once). */
const newPassword = async (
  flags: Parsed['flags'],
): Promise<{ password: string; generated: boolean }> => {
  if (!flags.has('password-stdin')) {
    return { password: randomBytes(15).toString('base64url'), generated: true };
  }
  const password = await readStdinLine();
  if (password.length < MIN_PASSWORD || password.length > MAX_PASSWORD) {
    throw new CommandError(`passwords must be ${MIN_PASSWORD} to ${MAX_PASSWORD} characters`);
  }
  return { password, generated: false };
};

const mustFind = async (storage: Storage, username: string | undefined): Promise<Account> => {
  if (!username) throw new UsageError('which user?');
  const account = await storage.findAccountByUsername(username);
  if (!account) throw new CommandError(`no user "${username}"`);
  return account;
};

const capitalise = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1);

const out = (line: string) => process.stdout.write(`${line}\n`);

const run = async (argv: string[]): Promise<void> => {
  const [command, ...rest] = argv;
  if (!command || command === 'help' || command === '--help' || command === '-h') {
    out(USAGE);
    return;
  }
  const { positional, flags } = parseArgs(rest);
  const env = readStorageEnv();
  // The same constructor the server uses (app.ts openStorage): PostgreSQL or SQLite.
  // A one-off command: SQLite checkpoints on commit, no checkpoint thread.
  const storage = createStorage({ ...env, sqliteCheckpointEveryCommits: 0 });
  try {
    await storage.migrate();
    switch (command) {
      case 'add': {
        const username = positional[0];
        if (!username || !USERNAME.test(username)) {
          throw new UsageError('usernames are 2-64 characters: a-z, 0-9, ".", "_" and "-"');
        }
        const role = parseRole(flags.get('role'));
        const nameFlag = flags.get('name');
        const displayName = typeof nameFlag === 'string' ? nameFlag.trim() : capitalise(username);
        if (displayName.length < 1 || displayName.length > 80) {
          throw new UsageError('display names are 1-80 characters');
        }
        if (await storage.findAccountByUsername(username)) {
          throw new CommandError(`user "${username}" already exists`);
        }
        const { password, generated } = await newPassword(flags);
        const account = await createAccount(storage, { username, displayName, role, password });
        out(`added ${account.username} (${account.displayName}, ${account.role})`);
        if (generated) out(`password for ${account.username} (shown once): ${password}`);
        return;
      }
      case 'list': {
        const accounts = await storage.listAccounts();
        if (flags.has('json')) {
          out(
            JSON.stringify(
              accounts.map((a) => ({
                id: a.id,
                username: a.username,
                displayName: a.displayName,
                role: a.role,
                disabled: a.disabled,
                createdAt: iso(a.createdAt),
              })),
            ),
          );
          return;
        }
        out('USERNAME             ROLE     STATUS    NAME');
        for (const a of accounts) {
          out(
            `${a.username.padEnd(20)} ${a.role.padEnd(8)} ${(a.disabled ? 'disabled' : 'active').padEnd(9)} ${a.displayName}`,
          );
        }
        return;
      }
      case 'set-role': {
        const account = await mustFind(storage, positional[0]);
        const role = parseRole(positional[1] ?? flags.get('role'));
        await storage.updateAccount(account.id, { role });
        out(`${account.username}: role ${account.role} -> ${role}`);
        return;
      }
      case 'set-password': {
        const account = await mustFind(storage, positional[0]);
        const { password, generated } = await newPassword(flags);
        await storage.updateAccount(account.id, { passwordHash: await hashPassword(password) });
        out(`${account.username}: password changed; every existing session is signed out`);
        if (generated) out(`password for ${account.username} (shown once): ${password}`);
        return;
      }
      case 'disable':
      case 'enable': {
        const account = await mustFind(storage, positional[0]);
        await storage.updateAccount(account.id, { disabled: command === 'disable' });
        out(`${account.username}: ${command}d`);
        return;
      }
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } finally {
    await storage.close();
  }
};

run(process.argv.slice(2)).then(
  () => process.exit(0),
  (err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`${err.message}\n\n${USAGE}\n`);
      process.exit(2);
    }
    process.stderr.write(`${err instanceof CommandError ? err.message : String(err)}\n`);
    process.exit(1);
  },
);
