import type { PublicUser, VersionListResponse, VersionSummary } from '@copydesk/shared';
import { api, DEMO_PASSWORD } from '../helpers/api';
import type { HistoryTestServer } from './history-server';

export interface Account {
  token: string;
  user: PublicUser;
}

export const signIn = async (baseUrl: string, username: string): Promise<Account> => {
  const res = await api(baseUrl, null, 'POST', '/api/auth/login', {
    username,
    password: DEMO_PASSWORD,
  });
  if (res.status !== 200) throw new Error(`login ${username} failed: ${res.status}`);
  return res.body as Account;
};

/** A call to the history API (on `historyUrl`, which is `baseUrl` once the router is wired). */
export const historyApi = (
  server: HistoryTestServer,
  who: Account | null,
  method: string,
  route: string,
  body?: unknown,
) => api(server.historyUrl, who?.token ?? null, method, route, body);

export const ok = <T>(res: { status: number; body: unknown }, status = 200): T => {
  if (res.status !== status) {
    throw new Error(`expected ${status}, got ${res.status}: ${JSON.stringify(res.body)}`);
  }
  return res.body as T;
};

/** Waits until the story has at least `n` versions (from the log: no polling, no sleeps). */
export const versionsMade = (server: HistoryTestServer, storyId: string, n: number) =>
  server.waitForLogs((e) => e.msg === 'version created' && e.storyId === storyId, n, 15_000);

export const listVersions = async (
  server: HistoryTestServer,
  who: Account,
  storyId: string,
): Promise<VersionSummary[]> =>
  ok<VersionListResponse>(await historyApi(server, who, 'GET', `/api/stories/${storyId}/versions`))
    .versions;
