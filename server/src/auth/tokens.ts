import type { Role } from '@copydesk/shared';
import { jwtVerify, SignJWT } from 'jose';

export interface TokenClaims {
  userId: string;
  role: Role;
}

const ISSUER = 'copydesk';

/** HS256 session tokens. Verification pins the algorithm, so `alg: none` never passes. */
export class TokenService {
  private readonly key: Uint8Array;

  constructor(
    secret: string,
    private readonly ttlSeconds: number,
  ) {
    this.key = new TextEncoder().encode(secret);
  }

  get ttl(): number {
    return this.ttlSeconds;
  }

  async sign(claims: TokenClaims): Promise<string> {
    return new SignJWT({ role: claims.role })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(claims.userId)
      .setIssuer(ISSUER)
      .setIssuedAt()
      .setExpirationTime(`${this.ttlSeconds}s`)
      .sign(this.key);
  }

  /** Returns the claims, or null for a missing, expired, tampered or foreign token. */
  async verify(token: string | undefined | null): Promise<TokenClaims | null> {
    if (!token || token.length > 4096) return null;
    try {
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        issuer: ISSUER,
      });
      if (typeof payload.sub !== 'string' || typeof payload.role !== 'string') return null;
      return { userId: payload.sub, role: payload.role as Role };
    } catch {
      return null;
    }
  }
}
