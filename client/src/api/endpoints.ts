import type {
  AttributionResponse,
  CommentCountsResponse,
  CommentListResponse,
  CommentThread,
  CreateCommentBody,
  CreateStoryBody,
  DeskChangesResponse,
  LoginBody,
  LoginResponse,
  PublicUser,
  RestoreResponse,
  SeenResponse,
  StatusChangeResponse,
  StoryActivityResponse,
  StoryDiff,
  StoryStatus,
  StorySummary,
  StoryView,
  VersionListResponse,
  VersionSummary,
} from '@copydesk/shared';
import { request } from './http';

export const login = (body: LoginBody): Promise<LoginResponse> =>
  request<LoginResponse>('/api/auth/login', { method: 'POST', body, ignoreUnauthorized: true });

export const logout = (): Promise<void> =>
  request<void>('/api/auth/logout', { method: 'POST', ignoreUnauthorized: true });

/** The signed-in user; `ignoreUnauthorized` because "not signed in" is a normal answer here. */
export const fetchMe = (signal?: AbortSignal): Promise<PublicUser> =>
  request<PublicUser>(
    '/api/me',
    signal ? { signal, ignoreUnauthorized: true } : { ignoreUnauthorized: true },
  );

export const listStories = (signal?: AbortSignal): Promise<StorySummary[]> =>
  request<StorySummary[]>('/api/stories', signal ? { signal } : {});

export const createStory = (body: CreateStoryBody): Promise<StoryView> =>
  request<StoryView>('/api/stories', { method: 'POST', body });

export const fetchStory = (id: string, signal?: AbortSignal): Promise<StoryView> =>
  request<StoryView>(`/api/stories/${encodeURIComponent(id)}`, signal ? { signal } : {});

/** A workflow move; 403 when the role may not make it, 409 when the story moved meanwhile. */
export const changeStatus = (id: string, status: StoryStatus): Promise<StatusChangeResponse> =>
  request<StatusChangeResponse>(`/api/stories/${encodeURIComponent(id)}/status`, {
    method: 'POST',
    body: { status },
  });

/** Version list (issue 6); used to learn who made the last workflow move of a story. */
export const listVersions = (id: string, signal?: AbortSignal): Promise<VersionListResponse> =>
  request<VersionListResponse>(
    `/api/stories/${encodeURIComponent(id)}/versions`,
    signal ? { signal } : {},
  );

const storyPath = (id: string): string => `/api/stories/${encodeURIComponent(id)}`;

/** `GET …/versions/:vid/diff?against=…`: `from` and `against` are version ids or a point. */
export const fetchDiff = (
  id: string,
  from: string,
  against: string,
  signal?: AbortSignal,
): Promise<StoryDiff> =>
  request<StoryDiff>(
    `${storyPath(id)}/versions/${encodeURIComponent(from)}/diff?against=${encodeURIComponent(against)}`,
    signal ? { signal } : {},
  );

export const createVersion = (id: string, name: string): Promise<VersionSummary> =>
  request<VersionSummary>(`${storyPath(id)}/versions`, { method: 'POST', body: { name } });

export const restoreVersion = (id: string, versionId: string): Promise<RestoreResponse> =>
  request<RestoreResponse>(`${storyPath(id)}/versions/${encodeURIComponent(versionId)}/restore`, {
    method: 'POST',
    body: {},
  });

export const fetchAttribution = (id: string, signal?: AbortSignal): Promise<AttributionResponse> =>
  request<AttributionResponse>(`${storyPath(id)}/attribution`, signal ? { signal } : {});

/** Seen marks on their way: the desk's counts wait for them (see fetchDeskChanges). */
const markingSeen = new Set<Promise<unknown>>();

/** Marks the story as looked at now (the desk's "changed since you last looked"). */
export const markSeen = (id: string): Promise<SeenResponse> => {
  const marking = request<SeenResponse>(`${storyPath(id)}/seen`, {
    method: 'POST',
    body: {},
    keepalive: true,
  });
  const settled = marking.catch(() => undefined).finally(() => markingSeen.delete(settled));
  markingSeen.add(settled);
  return marking;
};

/**
 * The desk's "changed since you last looked". Leaving a story marks it seen as the desk opens:
 * asked before that mark is stored, the story you just left would show as changed.
 */
export const fetchDeskChanges = async (signal?: AbortSignal): Promise<DeskChangesResponse> => {
  await Promise.all(markingSeen);
  return request<DeskChangesResponse>('/api/history/changes', signal ? { signal } : {});
};

export const fetchStoryActivity = (
  id: string,
  signal?: AbortSignal,
): Promise<StoryActivityResponse> =>
  request<StoryActivityResponse>(`${storyPath(id)}/activity?limit=100`, signal ? { signal } : {});

export const fetchComments = (id: string, signal?: AbortSignal): Promise<CommentListResponse> =>
  request<CommentListResponse>(`${storyPath(id)}/comments?state=all`, signal ? { signal } : {});

export const createComment = (id: string, body: CreateCommentBody): Promise<CommentThread> =>
  request<CommentThread>(`${storyPath(id)}/comments`, { method: 'POST', body });

export const replyToComment = (id: string, threadId: string, text: string) =>
  request<CommentThread>(`${storyPath(id)}/comments/${encodeURIComponent(threadId)}/replies`, {
    method: 'POST',
    body: { text },
  });

export const setThreadResolved = (id: string, threadId: string, resolved: boolean) =>
  request<CommentThread>(
    `${storyPath(id)}/comments/${encodeURIComponent(threadId)}/${resolved ? 'resolve' : 'reopen'}`,
    { method: 'POST', body: {} },
  );

export const fetchCommentCounts = (signal?: AbortSignal): Promise<CommentCountsResponse> =>
  request<CommentCountsResponse>('/api/comments/counts', signal ? { signal } : {});

export const EXPORT_FORMATS = [
  { format: 'ninjs', label: 'ninjs 3.0 (JSON)' },
  { format: 'markdown', label: 'Markdown' },
  { format: 'html', label: 'HTML' },
] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number]['format'];

/** A plain link: the session cookie authorises the download. */
export const exportHref = (id: string, format: ExportFormat): string =>
  `${storyPath(id)}/export?format=${format}`;
