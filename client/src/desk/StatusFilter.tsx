import { STATUSES, type StoryStatus, type StorySummary } from '@copydesk/shared';
import { statusLabel } from '../common/StatusPill';

export type StatusFilterValue = StoryStatus | 'all';

interface StatusFilterProps {
  value: StatusFilterValue;
  stories: StorySummary[];
  onChange: (value: StatusFilterValue) => void;
}

/** Segmented filter by workflow status, each option with its count. */
export function StatusFilter({ value, stories, onChange }: StatusFilterProps) {
  const counts = new Map<StatusFilterValue, number>([['all', stories.length]]);
  for (const story of stories) counts.set(story.status, (counts.get(story.status) ?? 0) + 1);
  const options: StatusFilterValue[] = ['all', ...STATUSES];
  return (
    <fieldset className="segmented" aria-label="Filter by status" data-testid="status-filter">
      {options.map((option) => (
        <button
          key={option}
          type="button"
          className="segmented-option"
          aria-pressed={value === option}
          onClick={() => onChange(option)}
        >
          {option === 'all' ? 'All' : statusLabel(option)}
          <span className="segmented-count">{counts.get(option) ?? 0}</span>
        </button>
      ))}
    </fieldset>
  );
}
