import { describePresence } from '@copydesk/shared';
import { Avatar } from '../common/Avatar';
import { useNow } from '../common/clock';
import { usePeopleInStory } from '../presence/usePresence';
import { byAccount, fieldLabel, type Person } from './people';

const where = (person: Person): string =>
  `${person.field ? fieldLabel(person.field) : 'Reading'}${person.typing ? ' · typing' : ''}`;

/**
 * Who is here: everyone connected to the story (from the sync channel's awareness), with the
 * field they are in and whether they type; idle times come from the desk channel when it runs.
 */
export function PeoplePanel({ storyId, people }: { storyId: string; people: Person[] }) {
  const now = useNow();
  const desk = new Map(usePeopleInStory(storyId).map((p) => [p.user.id, p]));
  const accounts = byAccount(people);
  if (accounts.length === 0) return <p className="panel-empty">Nobody else is here.</p>;
  return (
    <ul className="people-list" data-testid="people-list">
      {accounts.map((person) => {
        const onDesk = desk.get(person.userId);
        const line = onDesk ? describePresence(onDesk, now, storyId) : null;
        const idle = line !== null && / idle\b/.test(line);
        return (
          <li key={person.userId} className="people-item">
            <Avatar name={person.name} color={person.color} typing={person.typing} />
            <span className="people-text">
              <span className="people-name">
                {person.name}
                {person.isSelf ? ' (you)' : ''}
              </span>
              <span className="people-where">
                {where(person)}
                {idle && line ? ` · ${line.slice(line.indexOf('idle'))}` : ''}
              </span>
            </span>
          </li>
        );
      })}
    </ul>
  );
}
