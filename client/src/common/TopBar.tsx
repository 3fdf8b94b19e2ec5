import { lightColor, type PublicUser } from '@copydesk/shared';
import type { ReactNode } from 'react';
import { deskHref, monitorHref } from '../app/route';
import { PresenceNotice } from '../presence/PresenceNotice';
import { Avatar } from './Avatar';

/** Shown in the top bar; Copydesk has one desk until desks become configurable. */
export const DESK_NAME = 'City desk';

const ROLE_LABELS: Record<PublicUser['role'], string> = {
  editor: 'Editor',
  chief: 'Desk chief',
  viewer: 'Viewer',
  admin: 'Admin',
};

interface TopBarProps {
  user: PublicUser;
  onSignOut: () => void;
  /** The editor's save/connection indicator; absent on screens without a live document. */
  connection?: ReactNode;
}

export function TopBar({ user, onSignOut, connection }: TopBarProps) {
  return (
    <header className="topbar">
      <a className="topbar-brand" href={deskHref}>
        Copydesk
      </a>
      <span className="topbar-desk">{DESK_NAME}</span>
      {user.role === 'chief' ? (
        <nav className="topbar-nav" aria-label="Screens">
          <a href={deskHref} className="topbar-link" data-testid="nav-desk">
            Stories
          </a>
          <a href={monitorHref} className="topbar-link" data-testid="nav-monitor">
            Monitor
          </a>
        </nav>
      ) : null}
      <div className="topbar-connection">
        {connection}
        <PresenceNotice />
      </div>
      <div className="topbar-user" data-testid="current-user">
        <Avatar name={user.displayName} color={user.color} />
        <span className="topbar-user-text">
          <span className="topbar-user-name">{user.displayName}</span>
          <span
            className="topbar-user-role"
            style={{ borderColor: lightColor(user.color) }}
            data-testid="current-role"
          >
            {ROLE_LABELS[user.role] ?? user.role}
          </span>
        </span>
      </div>
      <button
        type="button"
        className="button button-quiet"
        onClick={onSignOut}
        data-testid="sign-out"
      >
        Sign out
      </button>
    </header>
  );
}
