import { describe, expect, it } from 'vitest';
import type { PublicUser } from './api';
import {
  applyPresenceChange,
  applyPresenceSnapshot,
  applyPresenceStatus,
  describePresence,
  emptyPresenceState,
  PresenceUpdateSchema,
  presenceFieldLabel,
  type UserPresence,
  usersInStory,
} from './desk-events';

const user = (
  id: string,
  displayName: string,
  role: PublicUser['role'] = 'editor',
): PublicUser => ({
  id,
  username: displayName.toLowerCase(),
  displayName,
  role,
  color: '#1f6feb',
});

const presence = (
  who: PublicUser,
  rev: number,
  sessions: Partial<UserPresence['sessions'][number]>[] = [{}],
): UserPresence => {
  const full = sessions.map((s, i) => ({
    id: `${who.id}-${i}`,
    storyId: null,
    field: null,
    activity: 'active' as const,
    since: 0,
    ...s,
  }));
  return {
    user: who,
    rev,
    onlineSince: 0,
    activity: full.some((s) => s.activity === 'typing')
      ? 'typing'
      : full.some((s) => s.activity === 'active')
        ? 'active'
        : 'idle',
    since: Math.max(...full.map((s) => s.since)),
    sessions: full,
  };
};

const ANA = user('u_ana', 'Ana');
const BEN = user('u_ben', 'Ben');

describe('PresenceUpdateSchema', () => {
  it('takes a story, a field and an activity, and nothing else', () => {
    expect(
      PresenceUpdateSchema.safeParse({
        storyId: 'abcdefgh',
        field: 'takeaway:2',
        activity: 'typing',
      }).success,
    ).toBe(true);
    expect(
      PresenceUpdateSchema.safeParse({ storyId: null, field: null, activity: 'idle' }).success,
    ).toBe(true);
    for (const bad of [
      null,
      {},
      { storyId: 'abcdefgh', field: 'synopsis', activity: 'active', user: ANA },
      { storyId: 'short', field: null, activity: 'active' },
      { storyId: null, field: 'body', activity: 'active' },
      { storyId: null, field: null, activity: 'typing' },
      { storyId: 'abcdefgh', field: 'takeaway:1000', activity: 'active' },
    ]) {
      expect(PresenceUpdateSchema.safeParse(bad).success, JSON.stringify(bad)).toBe(false);
    }
  });
});

describe('presence reducer', () => {
  it('applies changes in rev order and ignores late, older ones', () => {
    let state = emptyPresenceState();
    state = applyPresenceChange(state, { userId: ANA.id, rev: 5, presence: presence(ANA, 5) });
    state = applyPresenceChange(state, { userId: ANA.id, rev: 7, presence: null });
    expect(state.users.has(ANA.id)).toBe(false);
    const late = applyPresenceChange(state, { userId: ANA.id, rev: 6, presence: presence(ANA, 6) });
    expect(late).toBe(state);
  });

  it('merges a snapshot without undoing a change that overtook it', () => {
    let state = emptyPresenceState();
    // Ben's change (rev 20) arrived before the snapshot taken at rev 10.
    state = applyPresenceChange(state, { userId: BEN.id, rev: 20, presence: presence(BEN, 20) });
    // Ana was known, but the snapshot (rev 10) no longer has her: she left before it.
    state = applyPresenceChange(state, { userId: ANA.id, rev: 3, presence: presence(ANA, 3) });
    state = applyPresenceSnapshot(state, {
      rev: 10,
      degraded: false,
      users: [presence(BEN, 8, [{ storyId: 'old-story' }])],
    });
    expect([...state.users.keys()]).toEqual([BEN.id]);
    expect(state.users.get(BEN.id)?.rev).toBe(20);
  });

  it('tracks the degraded flag from snapshots and status events', () => {
    let state = applyPresenceSnapshot(emptyPresenceState(), { rev: 1, degraded: true, users: [] });
    expect(state.degraded).toBe(true);
    state = applyPresenceStatus(state, { degraded: false, since: 2 });
    expect(state.degraded).toBe(false);
  });

  it('lists who is in a story', () => {
    let state = emptyPresenceState();
    state = applyPresenceChange(state, {
      userId: ANA.id,
      rev: 1,
      presence: presence(ANA, 1, [{ storyId: 's1' }, { storyId: 's2' }]),
    });
    state = applyPresenceChange(state, {
      userId: BEN.id,
      rev: 2,
      presence: presence(BEN, 2, [{ storyId: 's2' }]),
    });
    expect(usersInStory(state, 's1').map((p) => p.user.id)).toEqual([ANA.id]);
    expect(usersInStory(state, 's2').map((p) => p.user.id)).toEqual([ANA.id, BEN.id]);
  });
});

describe('describePresence', () => {
  const now = 10 * 60_000;
  it('says where a person is and what they do', () => {
    expect(presenceFieldLabel('takeaway:2')).toBe('Takeaway 3');
    expect(presenceFieldLabel('synopsis')).toBe('Synopsis');
    const typing = presence(ANA, 1, [
      { storyId: 's1', field: 'takeaway:2', activity: 'typing' },
      { storyId: 's2', field: null, activity: 'idle' },
    ]);
    expect(describePresence(typing, now)).toBe('Ana is typing in Takeaway 3');
    expect(describePresence(typing, now, 's2')).toBe('Ana idle 10 min');
    expect(describePresence(typing, now, 's3')).toBe('Ana is not here');
    const editing = presence(ANA, 1, [{ storyId: 's1', field: 'takeaway:2' }]);
    expect(describePresence(editing, now)).toBe('Ana is editing Takeaway 3');
    const reading = presence(user('u_vic', 'Vic', 'viewer'), 1, [{ storyId: 's1', field: 'body' }]);
    expect(describePresence(reading, now)).toBe('Vic is reading Body');
    expect(
      describePresence(presence(BEN, 1, [{ activity: 'idle', since: now - 4 * 60_000 }]), now),
    ).toBe('Ben idle 4 min');
    expect(
      describePresence(presence(BEN, 1, [{ activity: 'idle', since: now - 5_000 }]), now),
    ).toBe('Ben idle');
    expect(describePresence(presence(BEN, 1), now)).toBe('Ben is on the desk');
  });
});
