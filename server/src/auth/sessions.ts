import type { PublicUser } from '@copydesk/shared';
import type { Account, Storage } from '../storage/storage';
import { toPublicUser } from './accounts';
import { passwordVersion, type TokenClaims, type TokenService } from './tokens';

/** A verified token together with the account as it is *now*. */
export interface Session {
  claims: TokenClaims;
  account: Account;
  user: PublicUser;
}

/**
 * Whether a token still speaks for its account: the account exists, is not disabled, and its
 * password has not changed since the token was issued (a password reset revokes every token).
 */
export const sessionStillValid = (
  claims: Pick<TokenClaims, 'passwordVersion'>,
  account: Account | null,
): account is Account =>
  account !== null &&
  !account.disabled &&
  passwordVersion(account.passwordHash) === claims.passwordVersion;

/**
 * The one way to turn a token into a user, for HTTP, the sync socket and the desk socket:
 * signature, algorithm, issuer, audience and expiry (TokenService), then the live account.
 * Roles always come from the account, never from the token.
 */
export const authenticateToken = async (
  tokens: TokenService,
  storage: Storage,
  token: string | null | undefined,
): Promise<Session | null> => {
  const claims = await tokens.verify(token);
  if (!claims) return null;
  const account = await storage.findAccountById(claims.userId);
  if (!sessionStillValid(claims, account)) return null;
  return { claims, account, user: toPublicUser(account) };
};
