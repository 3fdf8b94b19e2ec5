import { Avatar } from '../common/Avatar';
import { byAccount, fieldLabel, type Person } from './people';

const where = (person: Person): string => (person.field ? fieldLabel(person.field) : 'Reading');

/** Everyone in the story and where they are: "Ana · Takeaway 3", "Ben · Synopsis". */
export function PresenceBar({ people }: { people: Person[] }) {
  const accounts = byAccount(people);
  return (
    <ul className="presence-bar" data-testid="presence-bar" aria-label="People in this story">
      {accounts.map((person) => (
        <li
          key={person.userId}
          className={`presence ${person.typing ? 'presence-typing' : ''}`}
          data-testid={`presence-${person.username ?? person.userId}`}
        >
          <Avatar
            name={person.name}
            color={person.color}
            size="small"
            typing={person.typing}
            detail={where(person)}
          />
          <span className="presence-name">
            {person.isSelf ? `${person.name} (you)` : person.name}
          </span>
          <span className="presence-where">
            · {where(person)}
            {person.typing ? <span className="visually-hidden"> (typing)</span> : null}
          </span>
        </li>
      ))}
    </ul>
  );
}
