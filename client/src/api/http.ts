import type { ErrorBody } from '@copydesk/shared';

/** An HTTP error from our API, carrying the server's stable code and human message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** Listeners told when any request comes back 401, so the app can return to sign-in. */
const unauthorizedListeners = new Set<() => void>();
export const onUnauthorized = (listener: () => void): (() => void) => {
  unauthorizedListeners.add(listener);
  return () => unauthorizedListeners.delete(listener);
};

const isErrorBody = (value: unknown): value is ErrorBody => {
  if (typeof value !== 'object' || value === null || !('error' in value)) return false;
  const error: unknown = value.error;
  return typeof error === 'object' && error !== null && 'message' in error;
};

const fallbackMessage = (status: number): string => {
  if (status === 413) return 'That is too large.';
  if (status === 403) return 'You do not have permission to do that.';
  if (status === 404) return 'Not found.';
  if (status >= 500) return 'The server had a problem. Try again in a moment.';
  return `Request failed (${status}).`;
};

async function toApiError(response: Response): Promise<ApiError> {
  let body: unknown = null;
  try {
    body = await response.json();
  } catch {
    // Proxies and crashes answer with HTML or nothing; fall back to a generic message.
  }
  if (isErrorBody(body)) {
    return new ApiError(response.status, String(body.error.code), String(body.error.message));
  }
  return new ApiError(response.status, 'http_error', fallbackMessage(response.status));
}

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  body?: unknown;
  signal?: AbortSignal;
  /** The login form handles its own 401 (wrong password) instead of signing out. */
  ignoreUnauthorized?: boolean;
  /** Outlives the page (sent while a tab closes). */
  keepalive?: boolean;
}

/** Same-origin JSON request; the session rides on the HttpOnly cookie. */
export async function request<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const headers: Record<string, string> = { Accept: 'application/json' };
  const init: RequestInit = {
    method: options.method ?? 'GET',
    credentials: 'same-origin',
    headers,
  };
  if (options.signal) init.signal = options.signal;
  if (options.keepalive) init.keepalive = true;
  if (options.body !== undefined) {
    headers['Content-Type'] = 'application/json';
    init.body = JSON.stringify(options.body);
  }
  let response: Response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'network', 'Cannot reach the server. Check your connection.');
  }
  if (!response.ok) {
    const apiError = await toApiError(response);
    if (response.status === 401 && !options.ignoreUnauthorized) {
      for (const listener of unauthorizedListeners) listener();
    }
    throw apiError;
  }
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

export const errorMessage = (error: unknown): string =>
  error instanceof Error ? error.message : 'Something went wrong.';
