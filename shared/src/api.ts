import { z } from 'zod';

export const ROLES = ['editor', 'chief', 'viewer', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export const RoleSchema = z.enum(ROLES);

export const STATUSES = ['draft', 'in_review', 'approved', 'published'] as const;
export type StoryStatus = (typeof STATUSES)[number];
export const StatusSchema = z.enum(STATUSES);

/** A user as every API and the awareness relay shows them (never the client's own claim). */
export interface PublicUser {
  id: string;
  username: string;
  displayName: string;
  role: Role;
  /** Account colour: the same for avatar, caret and highlights. */
  color: string;
}

/** Roles that may change a story's text (read-only roles only read and show presence). */
export const canWrite = (role: Role): boolean => role === 'editor' || role === 'chief';

export const LIMITS = {
  headlineChars: 300,
  wireBytes: 256 * 1024,
  jsonBodyBytes: 512 * 1024,
} as const;

export const LoginBody = z.strictObject({
  username: z.string().trim().min(1).max(64),
  password: z.string().min(1).max(256),
});
export type LoginBody = z.infer<typeof LoginBody>;

export interface LoginResponse {
  token: string;
  user: PublicUser;
  /** When `token` (and the session cookie) expires; renew before with `POST /api/auth/refresh`. */
  expiresAt: string;
}

/** `POST /api/auth/refresh` takes an empty JSON object and answers like login. */
export const RefreshBody = z.strictObject({});
export type RefreshBody = z.infer<typeof RefreshBody>;

export const CreateStoryBody = z.union([
  z.strictObject({ headline: z.string().trim().min(1).max(LIMITS.headlineChars) }),
  z.strictObject({ wire: z.string() }),
]);
export type CreateStoryBody = z.infer<typeof CreateStoryBody>;

export interface StorySummary {
  id: string;
  headline: string;
  status: StoryStatus;
  createdAt: string;
  updatedAt: string;
  updatedBy: string | null;
  /** Display name of the last editor ("by Ben"), from the account. */
  updatedByName: string | null;
}

export interface StoryView {
  id: string;
  headline: string;
  synopsis: string;
  takeaways: string[];
  body: string;
  dateline: string;
  source: string;
  byline: string;
  status: StoryStatus;
  createdAt: string;
  updatedAt: string;
}

/** Stable error ids; the HTTP body is always `{ error: { code, message } }`. */
export const ErrorCode = {
  badRequest: 'bad_request',
  unauthenticated: 'unauthenticated',
  invalidCredentials: 'invalid_credentials',
  forbidden: 'forbidden',
  notFound: 'not_found',
  conflict: 'conflict',
  tooLarge: 'too_large',
  emptyWire: 'empty_wire',
  rateLimited: 'rate_limited',
  unsupportedMediaType: 'unsupported_media_type',
  unavailable: 'unavailable',
  internal: 'internal',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

/** Where in a story a person is: a root field, or `takeaway:<index>` (0-based). */
export const FieldRefSchema = z.union([
  z.enum(['headline', 'dateline', 'source', 'synopsis', 'body']),
  z.string().regex(/^takeaway:\d{1,3}$/),
]);
export type FieldRef = z.infer<typeof FieldRefSchema>;

/** The awareness state of one client. The server overwrites `user` from the account. */
export interface AwarenessState {
  user?: {
    id: string;
    username: string;
    name: string;
    color: string;
    colorLight: string;
    role: Role;
  };
  field?: FieldRef | null;
  typing?: boolean;
  cursor?: unknown;
}
