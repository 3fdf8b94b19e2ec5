import { describePresence } from '@copydesk/shared';
import { Avatar } from '../common/Avatar';
import { useNow } from '../common/clock';
import { usePeopleInStory } from './usePresence';

/** Avatars shown on a desk row before the rest collapse into "+N". */
const MAX_AVATARS = 4;

/**
 * Who is in a story right now, for a desk row: avatars (typing dot) and one line about the
 * most active person, e.g. "Ana is editing Takeaway 3 · Ben idle 4 min".
 */
export function StoryPeople({ storyId }: { storyId: string }) {
  const people = usePeopleInStory(storyId);
  const now = useNow();
  if (people.length === 0) return null;
  const lines = people.map((p) => describePresence(p, now, storyId));
  const shown = people.slice(0, MAX_AVATARS);
  const more = people.length - shown.length;
  return (
    <div className="story-people" data-testid="story-people">
      <span className="story-people-avatars">
        {shown.map((p) => {
          const typing = p.sessions.some((s) => s.storyId === storyId && s.activity === 'typing');
          const idle = p.sessions.every((s) => s.storyId !== storyId || s.activity === 'idle');
          return (
            <span
              key={p.user.id}
              className={idle ? 'story-person story-person-idle' : 'story-person'}
              data-testid={`story-person-${p.user.username}`}
            >
              <Avatar
                name={p.user.displayName}
                color={p.user.color}
                size="small"
                typing={typing}
                detail={describePresence(p, now, storyId)}
              />
            </span>
          );
        })}
        {more > 0 ? <span className="story-people-more">+{more}</span> : null}
      </span>
      <span className="story-people-line" data-testid="story-people-line" title={lines.join('\n')}>
        {lines.join(' · ')}
      </span>
    </div>
  );
}
