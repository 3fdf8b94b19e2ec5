import type { LoginResponse, StoryView } from '@copydesk/shared';

export const DEMO_PASSWORD = 'copydesk';

export const login = async (baseUrl: string, username: string): Promise<string> => {
  const res = await fetch(`${baseUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: DEMO_PASSWORD }),
  });
  if (res.status !== 200) throw new Error(`login ${username} failed: ${res.status}`);
  return ((await res.json()) as LoginResponse).token;
};

export const api = async (
  baseUrl: string,
  token: string | null,
  method: string,
  route: string,
  body?: unknown,
): Promise<{ status: number; body: unknown; headers: Headers }> => {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${baseUrl}${route}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // keep the text
  }
  return { status: res.status, body: parsed, headers: res.headers };
};

export const createStory = async (
  baseUrl: string,
  token: string,
  body: { headline: string } | { wire: string },
): Promise<StoryView> => {
  const res = await api(baseUrl, token, 'POST', '/api/stories', body);
  if (res.status !== 201)
    throw new Error(`create story failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as StoryView;
};

export const getStory = async (baseUrl: string, token: string, id: string): Promise<StoryView> => {
  const res = await api(baseUrl, token, 'GET', `/api/stories/${id}`);
  if (res.status !== 200) throw new Error(`get story failed: ${res.status}`);
  return res.body as StoryView;
};
