import type { StoryStatus } from '@copydesk/shared';

const LABELS: Record<StoryStatus, string> = {
  draft: 'Draft',
  in_review: 'In review',
  approved: 'Approved',
  published: 'Published',
};

export const statusLabel = (status: StoryStatus): string => LABELS[status] ?? status;

export function StatusPill({ status }: { status: StoryStatus }) {
  return (
    <span className={`status-pill status-${status}`} data-testid="status-pill">
      {statusLabel(status)}
    </span>
  );
}
