/**
 * Defaults of the server's configurable limits (env var in brackets; see docs/SECURITY.md).
 * Clients may read them to stay well inside the limits; the server's configuration wins.
 */
export const DEFAULT_LIMITS = {
  /** [MAX_FRAME_BYTES] Largest WebSocket frame a client may send to the sync endpoint. */
  maxFrameBytes: 2 * 1024 * 1024,
  /** [MAX_STORY_BYTES] Largest encoded story document; growing past it closes with 4413. */
  maxStoryBytes: 8 * 1024 * 1024,
  /** [SYNC_MESSAGES_PER_SECOND] Sustained inbound sync messages per connection. */
  syncMessagesPerSecond: 100,
  /** [SYNC_MESSAGE_BURST] Burst allowance on top of the sustained rate. */
  syncMessageBurst: 400,
  /** [MAX_CONNECTIONS_PER_USER] Open sync connections per account (per server instance). */
  maxConnectionsPerUser: 20,
  /** [MAX_BUFFERED_BYTES] Unsent bytes queued for one connection before it is dropped. */
  maxBufferedBytes: 16 * 1024 * 1024,
  /** [TOKEN_TTL_SECONDS] Lifetime of a session token (renewable with POST /api/auth/refresh). */
  tokenTtlSeconds: 8 * 3600,
  /** [SESSION_MAX_SECONDS] How long after the password login a token can still be renewed. */
  sessionMaxSeconds: 24 * 3600,
  /** [ACCOUNT_RECHECK_MS] How often open connections re-check their account and story. */
  accountRecheckMs: 2_000,
  /** [LOGIN_MAX_FAILURES_PER_ACCOUNT] Failed logins per username per window. */
  loginFailuresPerAccount: 10,
  /** [LOGIN_MAX_FAILURES_PER_ADDRESS] Failed logins per client address per window. */
  loginFailuresPerAddress: 30,
  /** [LOGIN_WINDOW_SECONDS] The login rate-limit window. */
  loginWindowSeconds: 15 * 60,
} as const;

/** Fixed bounds of the Yjs update validator (not configurable: they describe the schema). */
export const UPDATE_BOUNDS = {
  /** Largest Yjs client id (Yjs uses random uint32 ids). */
  maxClientId: 0xffff_ffff,
  /** Largest clock (and clock + length) any struct may reach. */
  maxClock: 0xffff_ffff,
  /** Root type names: the schema uses five short ones; others are tolerated up to these bounds. */
  maxRootNameChars: 64,
  maxRootTypes: 32,
  /** Y.Map keys (`meta.dateline` …). */
  maxKeyChars: 256,
  /** Nesting depth of plain values (ContentAny) in a Y.Map / Y.Array. */
  maxValueDepth: 16,
  /** Awareness clientIDs one connection may claim. */
  maxClientIdsPerConnection: 8,
} as const;
