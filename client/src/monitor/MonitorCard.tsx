import {
  presenceFieldLabel,
  type StorySummary,
  SYNOPSIS_WORD_TARGET,
  TAKEAWAY_TARGET,
  targetState,
  type UserPresence,
} from '@copydesk/shared';
import { memo } from 'react';
import { watchHref } from '../app/route';
import { Avatar } from '../common/Avatar';
import { RelativeTime } from '../common/RelativeTime';
import { usePeopleInStory } from '../presence/usePresence';
import type { StoryMetrics } from './useMonitor';

/** A card glows when its story changed within this long. */
export const FRESH_MS = 60_000;

/** Where one person is in the story: their busiest tab there. */
const whereIn = (person: UserPresence, storyId: string) => {
  const tabs = person.sessions.filter((s) => s.storyId === storyId);
  const typing = tabs.some((s) => s.activity === 'typing');
  const idle = tabs.every((s) => s.activity === 'idle');
  const field = (tabs.find((s) => s.activity === 'typing' && s.field) ?? tabs.find((s) => s.field))
    ?.field;
  return { typing, idle, field: field ? presenceFieldLabel(field) : null };
};

function CardPeople({ storyId }: { storyId: string }) {
  const people = usePeopleInStory(storyId);
  if (people.length === 0) return <p className="card-nobody muted">Nobody in it</p>;
  return (
    <ul className="card-people" data-testid="card-people">
      {people.map((person) => {
        const { typing, idle, field } = whereIn(person, storyId);
        const label = `${person.user.displayName} · ${field ?? 'Reading'}`;
        return (
          <li
            key={person.user.id}
            className={`card-person${idle ? ' card-person-idle' : ''}`}
            data-testid={`card-person-${person.user.username}`}
            data-typing={typing}
          >
            <Avatar
              name={person.user.displayName}
              color={person.user.color}
              size="small"
              typing={typing}
            />
            <span className="card-person-where">{label}</span>
            {typing ? (
              <span className="card-typing" data-testid="card-typing">
                typing…
              </span>
            ) : idle ? (
              <span className="muted">idle</span>
            ) : null}
          </li>
        );
      })}
    </ul>
  );
}

function SynopsisBar({ words }: { words: number | null }) {
  if (words === null) return <span className="card-metric muted">Synopsis …</span>;
  const state = targetState(words, SYNOPSIS_WORD_TARGET);
  const scale = SYNOPSIS_WORD_TARGET.max * 1.25;
  const fill = Math.min(words / scale, 1) * 100;
  const target = `${SYNOPSIS_WORD_TARGET.min}–${SYNOPSIS_WORD_TARGET.max}`;
  return (
    <span
      className={`card-metric card-synopsis card-${state}`}
      title={`Synopsis: ${words} words (target ${target})`}
      data-testid="card-synopsis"
      data-words={words}
    >
      <span className="metric-label">Synopsis</span>
      <span className="synopsis-bar" aria-hidden="true">
        <span
          className="synopsis-target"
          style={{
            left: `${(SYNOPSIS_WORD_TARGET.min / scale) * 100}%`,
            width: `${((SYNOPSIS_WORD_TARGET.max - SYNOPSIS_WORD_TARGET.min) / scale) * 100}%`,
          }}
        />
        <span className="synopsis-fill" style={{ width: `${fill}%` }} />
      </span>
      <span className="metric-value">{words} w</span>
    </span>
  );
}

function TakeawayDots({ count }: { count: number | null }) {
  if (count === null) return <span className="card-metric muted">Takeaways …</span>;
  const state = targetState(count, TAKEAWAY_TARGET);
  const dots = Math.max(TAKEAWAY_TARGET.max, count);
  return (
    <span
      className={`card-metric card-takeaways card-${state}`}
      title={`${count} takeaways (target ${TAKEAWAY_TARGET.min}–${TAKEAWAY_TARGET.max})`}
      data-testid="card-takeaways"
      data-count={count}
    >
      <span className="metric-label">Takeaways</span>
      <span className="takeaway-dots" aria-hidden="true">
        {Array.from({ length: dots }, (_, i) => (
          <span
            // biome-ignore lint/suspicious/noArrayIndexKey: dots are positions, not items
            key={i}
            className={`dot${i < count ? ' dot-on' : ''}${i < TAKEAWAY_TARGET.min ? ' dot-needed' : ''}`}
          />
        ))}
      </span>
      <span className="metric-value">{count}</span>
    </span>
  );
}

interface MonitorCardProps {
  story: StorySummary;
  metrics: StoryMetrics | undefined;
  unresolved: number;
  /** Changed within FRESH_MS (the page's clock decides, so cards re-render only on change). */
  fresh: boolean;
}

/** One story on the monitor; clicking opens it in watch mode. */
export const MonitorCard = memo(function MonitorCard({
  story,
  metrics,
  unresolved,
  fresh,
}: MonitorCardProps) {
  const href = watchHref(story.id);
  return (
    <li
      className={`monitor-card${fresh ? ' monitor-card-fresh' : ''}`}
      data-testid="monitor-card"
      data-story-id={story.id}
      data-status={story.status}
    >
      {/* Re-keyed on every change, so the glow restarts. */}
      {fresh ? <span key={story.updatedAt} className="card-glow" aria-hidden="true" /> : null}
      <a
        className={`card-headline${story.headline ? '' : ' untitled'}`}
        href={href}
        data-testid="card-headline"
      >
        {story.headline || 'Untitled story'}
      </a>
      <CardPeople storyId={story.id} />
      <div className="card-metrics">
        <SynopsisBar words={metrics?.synopsisWords ?? null} />
        <TakeawayDots count={metrics?.takeaways ?? null} />
      </div>
      <div className="card-foot">
        <span className="card-last-edit" data-testid="card-last-edit">
          {story.updatedByName ? <>by {story.updatedByName}, </> : null}
          <RelativeTime iso={story.updatedAt} />
        </span>
        <span
          className={`card-comments${unresolved > 0 ? ' card-comments-open' : ''}`}
          data-testid="card-comments"
          data-count={unresolved}
          title={`${unresolved} unresolved comment${unresolved === 1 ? '' : 's'}`}
        >
          <svg width="12" height="12" viewBox="0 0 12 12" aria-hidden="true" focusable="false">
            <path
              d="M1.5 2h9a.5.5 0 0 1 .5.5v5.5a.5.5 0 0 1-.5.5H5L2.5 10.5V8.5h-1A.5.5 0 0 1 1 8V2.5a.5.5 0 0 1 .5-.5z"
              fill="currentColor"
            />
          </svg>
          {unresolved}
          <span className="visually-hidden"> unresolved comments</span>
        </span>
      </div>
    </li>
  );
});
