import { useSyncExternalStore } from 'react';

/** The screens reachable by URL. Hash routing keeps the server's SPA fallback trivial. */
export type Route = { name: 'desk' } | { name: 'story'; storyId: string };

export const parseRoute = (hash: string): Route => {
  const match = /^#\/story\/([^/?#]+)/.exec(hash);
  if (match?.[1]) return { name: 'story', storyId: decodeURIComponent(match[1]) };
  return { name: 'desk' };
};

export const storyHref = (storyId: string): string => `#/story/${encodeURIComponent(storyId)}`;
export const deskHref = '#/';

export const navigate = (href: string): void => {
  window.location.hash = href.startsWith('#') ? href.slice(1) : href;
};

const subscribe = (onChange: () => void): (() => void) => {
  window.addEventListener('hashchange', onChange);
  return () => window.removeEventListener('hashchange', onChange);
};

export const useHash = (): string => useSyncExternalStore(subscribe, () => window.location.hash);
