import type { IncomingMessage } from 'node:http';

/**
 * Cross-site WebSocket hijacking guard for cookie sessions (the sync endpoint and the desk channel): a
 * browser always sends Origin, so it must be this host or listed in `allowedOrigins`. Clients
 * that are not browsers send no Origin and hold the token themselves.
 */
export const originAllowed = (req: IncomingMessage, allowed: readonly string[]): boolean => {
  const origin = req.headers.origin;
  if (!origin) return true;
  if (allowed.includes(origin)) return true;
  try {
    return new URL(origin).host === req.headers.host;
  } catch {
    return false;
  }
};
