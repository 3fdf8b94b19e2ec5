import { type FieldRef, FieldRefSchema } from '@copydesk/shared';
import { useEffect, useState } from 'react';
import type { Awareness } from 'y-protocols/awareness';

/** One person in the story, read defensively from (untrusted) awareness state. */
export interface Person {
  clientId: number;
  userId: string;
  /** Login name when the server provides it; used for stable test ids. */
  username: string | null;
  name: string;
  color: string;
  field: FieldRef | null;
  typing: boolean;
  isSelf: boolean;
}

const asRecord = (value: unknown): Record<string, unknown> | null =>
  typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

export const toPerson = (clientId: number, state: unknown, selfId: number): Person | null => {
  const record = asRecord(state);
  const user = asRecord(record?.user);
  if (!record || !user) return null;
  const userId = text(user.id);
  const name = text(user.name);
  if (!userId || !name) return null;
  const field = FieldRefSchema.safeParse(record.field);
  return {
    clientId,
    userId,
    username: text(user.username),
    name,
    color: text(user.color) ?? '',
    field: field.success ? field.data : null,
    typing: record.typing === true,
    isSelf: clientId === selfId,
  };
};

export const fieldLabel = (field: FieldRef): string => {
  const takeaway = /^takeaway:(\d+)$/.exec(field);
  if (takeaway) return `Takeaway ${Number(takeaway[1]) + 1}`;
  return field.charAt(0).toUpperCase() + field.slice(1);
};

const readPeople = (awareness: Awareness): Person[] => {
  const people: Person[] = [];
  for (const [clientId, state] of awareness.getStates()) {
    const person = toPerson(clientId, state, awareness.clientID);
    if (person) people.push(person);
  }
  return people;
};

/** Everyone connected to the story, one entry per tab, live. */
export function usePeople(awareness: Awareness): Person[] {
  const [people, setPeople] = useState<Person[]>(() => readPeople(awareness));
  useEffect(() => {
    const onChange = () => setPeople(readPeople(awareness));
    onChange();
    awareness.on('change', onChange);
    return () => awareness.off('change', onChange);
  }, [awareness]);
  return people;
}

/**
 * One entry per account for the presence bar: a person with two tabs shows once, with the
 * tab that is in a field (and typing) winning.
 */
export const byAccount = (people: Person[]): Person[] => {
  const rank = (p: Person): number => (p.typing ? 2 : 0) + (p.field ? 1 : 0);
  const best = new Map<string, Person>();
  for (const person of people) {
    const current = best.get(person.userId);
    if (!current || rank(person) > rank(current)) {
      best.set(person.userId, { ...person, isSelf: person.isSelf || (current?.isSelf ?? false) });
    } else if (person.isSelf) {
      current.isSelf = true;
    }
  }
  // Yourself first, then others by name, so the bar does not jump around.
  return [...best.values()].sort(
    (a, b) => Number(b.isSelf) - Number(a.isSelf) || a.name.localeCompare(b.name),
  );
};
