import type { FieldRef } from '@copydesk/shared';
import type { ReactNode } from 'react';
import { Avatar } from '../common/Avatar';
import type { Person } from './people';

/** The others whose cursor is in `field` right now (you know where you are). */
export const peopleIn = (people: Person[], field: FieldRef): Person[] =>
  people.filter((person) => person.field === field && !person.isSelf);

export function FieldAvatars({ people }: { people: Person[] }) {
  if (people.length === 0) return null;
  return (
    <span className="field-avatars">
      {people.map((person) => (
        <Avatar
          key={person.clientId}
          name={person.name}
          color={person.color}
          size="small"
          typing={person.typing}
        />
      ))}
    </span>
  );
}

interface FieldShellProps {
  id: string;
  label: string;
  counter?: ReactNode;
  here?: Person[];
  className?: string;
  children: ReactNode;
}

/** One field of the story: label, counter and who is in it, above the editor. */
export function FieldShell({
  id,
  label,
  counter,
  here = [],
  className = '',
  children,
}: FieldShellProps) {
  return (
    <section className={`story-field ${className}`} aria-labelledby={`${id}-label`}>
      <div className="story-field-header">
        <h2 className="story-field-label" id={`${id}-label`}>
          {label}
        </h2>
        <FieldAvatars people={here} />
        {counter ? <span className="story-field-counter">{counter}</span> : null}
      </div>
      {children}
    </section>
  );
}

interface CounterProps {
  text: string;
  outside: boolean;
  testId?: string;
  title?: string;
}

/** A counter that turns amber when outside its target. */
export function Counter({ text, outside, testId, title }: CounterProps) {
  return (
    <span
      className={`counter ${outside ? 'counter-outside' : 'counter-within'}`}
      data-testid={testId}
      data-outside={outside}
      title={title}
    >
      {text}
    </span>
  );
}
