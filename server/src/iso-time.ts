/** A stored time (ms since the epoch) as the API writes every time: ISO 8601, UTC. */
export const iso = (ms: number): string => new Date(ms).toISOString();
