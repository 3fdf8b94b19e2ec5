import type { NotificationView } from '@copydesk/shared';
import { useEffect, useState } from 'react';
import { storyHref } from '../app/route';
import { Avatar } from '../common/Avatar';
import { useDeskEvent } from '../presence/usePresence';

const SHOW_MS = 12_000;
const MAX_TOASTS = 3;

/** "Ana mentioned you": a toast per live mention (the server sends them only to you). */
export function MentionToasts({ userId }: { userId: string }) {
  const [toasts, setToasts] = useState<NotificationView[]>([]);
  useDeskEvent('mention:new', (payload) => {
    if (payload.userId !== userId) return;
    setToasts((current) => [...current, payload.notification].slice(-MAX_TOASTS));
  });
  const first = toasts[0];
  useEffect(() => {
    if (!first) return;
    const timer = setTimeout(() => setToasts((current) => current.slice(1)), SHOW_MS);
    return () => clearTimeout(timer);
  }, [first]);
  const dismiss = (id: string) => setToasts((current) => current.filter((t) => t.id !== id));
  if (toasts.length === 0) return null;
  return (
    <div className="toasts" role="status" aria-live="polite">
      {toasts.map((toast) => (
        <div key={toast.id} className="toast" data-testid="mention-toast">
          <Avatar name={toast.by.displayName} color={toast.by.color} size="small" />
          <div className="toast-text">
            <b>{toast.by.displayName}</b> mentioned you in{' '}
            <a href={`${storyHref(toast.storyId)}`} onClick={() => dismiss(toast.id)}>
              {toast.storyHeadline || 'Untitled story'}
            </a>
            <span className="toast-excerpt">{toast.excerpt}</span>
          </div>
          <button
            type="button"
            className="icon-button"
            aria-label="Dismiss"
            onClick={() => dismiss(toast.id)}
          >
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
