import { useSyncExternalStore } from 'react';

/** The screens reachable by URL. Hash routing keeps the server's SPA fallback trivial. */
export type Route =
  | { name: 'desk' }
  | { name: 'monitor' }
  | { name: 'story'; storyId: string; watch: boolean };

export const parseRoute = (hash: string): Route => {
  const match = /^#\/story\/([^/?#]+)(\?[^#]*)?/.exec(hash);
  if (match?.[1]) {
    const watch = new URLSearchParams(match[2] ?? '').get('watch') === '1';
    return { name: 'story', storyId: decodeURIComponent(match[1]), watch };
  }
  if (/^#\/monitor\/?(\?|$)/.test(hash)) return { name: 'monitor' };
  return { name: 'desk' };
};

export const storyHref = (storyId: string): string => `#/story/${encodeURIComponent(storyId)}`;
/** The story for a chief following it: read-only until "Edit", activity open. */
export const watchHref = (storyId: string): string => `${storyHref(storyId)}?watch=1`;
export const monitorHref = '#/monitor';
export const deskHref = '#/';

export const navigate = (href: string): void => {
  window.location.hash = href.startsWith('#') ? href.slice(1) : href;
};

const subscribe = (onChange: () => void): (() => void) => {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
};

export const useHash = (): string => useSyncExternalStore(subscribe, () => window.location.hash);
