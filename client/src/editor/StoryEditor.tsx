import {
  CloseCode,
  canEditStory,
  canWrite,
  type PublicUser,
  type StoryView,
} from '@copydesk/shared';
import { useEffect, useRef, useState } from 'react';
import { deskHref } from '../app/route';
import { TopBar } from '../common/TopBar';
import { AuthorToggle } from '../history/AuthorToggle';
import { DiffView } from '../history/DiffView';
import { type Comparison, HistoryPanel } from '../history/HistoryPanel';
import { useAttribution } from '../history/useAttribution';
import { useMarkSeen } from '../history/useMarkSeen';
import { ConnectionIndicator, useConnectionState } from './ConnectionIndicator';
import { EditorToolbar } from './EditorToolbar';
import { MetaFields } from './MetaFields';
import { PeoplePanel } from './PeoplePanel';
import { PresenceBar } from './PresenceBar';
import { usePeople } from './people';
import { ComingSoon, type PanelTab, SidePanel } from './SidePanel';
import { LockIcon, MoveNote, StatusBar } from './StatusBar';
import { closeMessage, type StorySession } from './storySession';
import { TakeawaysField } from './TakeawaysField';
import { BodyField, HeadlineField, SynopsisField } from './TextFields';
import type { LiveStory, StatusMove } from './useLiveStory';

interface StoryEditorProps {
  session: StorySession;
  user: PublicUser;
  story: StoryView | null;
  live: LiveStory;
  onSignOut: () => void;
  onSessionEnded: () => void;
}

const readOnlyReason = (
  user: PublicUser,
  story: StoryView | null,
  closed: boolean,
): string | null => {
  if (!canWrite(user.role)) return 'Read-only: viewers can follow the story live but not edit it.';
  if (closed) return 'Read-only until you reconnect.';
  if (story && !canEditStory(user.role, story.status)) {
    return `Locked for editors while the story is ${story.status === 'published' ? 'published' : 'approved'}. A desk chief can reopen it.`;
  }
  return null;
};

/** Above the fields of a locked story: who locked it and when, so nobody types in vain. */
function LockBanner({ story, move }: { story: StoryView; move: StatusMove | null }) {
  return (
    <div className="lock-banner" role="status" data-testid="lock-banner">
      <LockIcon />
      <span>
        <MoveNote status={story.status} move={move} />. The text is locked for editors until a desk
        chief reopens it.
      </span>
    </div>
  );
}

/**
 * The server changes an open connection's write permission when the status changes, without
 * telling the client. Edits it dropped while this tab did not know yet would leave a gap in
 * this tab's clock that blocks every later edit, so on regaining write access reconnect: the
 * sync handshake then sends everything the server lacks.
 */
function useReconnectOnUnlock(session: StorySession, canEdit: boolean | null) {
  const previous = useRef(canEdit);
  useEffect(() => {
    const before = previous.current;
    previous.current = canEdit;
    if (before === false && canEdit === true) {
      session.provider.disconnect();
      session.provider.connect();
    }
  }, [session, canEdit]);
}

/** The live story: presence, fields top to bottom, status bar. */
export function StoryEditor(props: StoryEditorProps) {
  const { session, user, story, live, onSignOut, onSessionEnded } = props;
  const connection = useConnectionState(session.save);
  const people = usePeople(session.awareness);
  const closed = connection.kind === 'closed';
  const reason = readOnlyReason(user, story, closed);
  const readOnly = reason !== null;
  const locked = story !== null && canWrite(user.role) && !canEditStory(user.role, story.status);
  const [tab, setTab] = useState<PanelTab>('people');
  const [comparing, setComparing] = useState<Comparison | null>(null);
  const [byAuthor, setByAuthor] = useState(false);
  const attribution = useAttribution(session.storyId, session.doc, byAuthor);
  const fieldProps = {
    session,
    people,
    readOnly,
    attribution: attribution.kind === 'on' ? attribution.data : null,
  };
  useMarkSeen(session.storyId);
  useReconnectOnUnlock(session, story ? canEditStory(user.role, story.status) : null);

  // A socket closed as forbidden may mean the story's status or our role changed: re-read it.
  const { refresh } = live;
  useEffect(() => {
    if (closed) refresh();
  }, [closed, refresh]);

  return (
    <div className="page page-editor">
      <TopBar
        user={user}
        onSignOut={onSignOut}
        connection={
          <ConnectionIndicator state={connection} readOnly={!canWrite(user.role) || locked} />
        }
      />
      <div className="editor-header">
        <a className="back-link" href={deskHref}>
          ← Desk
        </a>
        <PresenceBar people={people} />
        <AuthorToggle state={attribution} on={byAuthor} onToggle={() => setByAuthor((on) => !on)} />
        <EditorToolbar undoManager={session.undoManager} readOnly={readOnly} />
      </div>
      {connection.kind === 'closed' ? (
        <div className="banner banner-error" role="alert" data-testid="connection-closed">
          <span>{closeMessage(connection.code)}</span>
          {connection.code === CloseCode.unauthenticated ? (
            <button type="button" className="button" onClick={onSessionEnded}>
              Sign in
            </button>
          ) : (
            <a className="button" href={deskHref}>
              Back to the desk
            </a>
          )}
        </div>
      ) : null}
      <div className="editor-body">
        <main className="editor-page">
          {comparing ? (
            <DiffView
              storyId={session.storyId}
              comparison={comparing}
              onClose={() => setComparing(null)}
            />
          ) : null}
          {/* Hidden, not unmounted, while comparing: the live editors keep their state. */}
          <article
            className={`story-fields${locked ? ' story-locked' : ''}${attribution.kind === 'on' ? ' by-author' : ''}`}
            aria-label="Story"
            data-locked={locked}
            hidden={comparing !== null}
          >
            {locked && story ? <LockBanner story={story} move={live.move} /> : null}
            <HeadlineField {...fieldProps} />
            <MetaFields {...fieldProps} />
            <SynopsisField {...fieldProps} />
            <TakeawaysField {...fieldProps} />
            <BodyField {...fieldProps} />
          </article>
        </main>
        <SidePanel tab={tab} onTab={setTab}>
          {tab === 'people' ? <PeoplePanel storyId={session.storyId} people={people} /> : null}
          {tab === 'history' ? (
            <HistoryPanel
              storyId={session.storyId}
              user={user}
              comparing={comparing}
              onCompare={setComparing}
            />
          ) : null}
          {tab === 'activity' ? (
            <ComingSoon what="The activity feed is coming: every change, move and comment, live." />
          ) : null}
          {tab === 'comments' ? (
            <ComingSoon what="Comments are coming: threads anchored to a field or a takeaway." />
          ) : null}
        </SidePanel>
      </div>
      <StatusBar
        storyId={session.storyId}
        role={user.role}
        status={story?.status ?? null}
        move={live.move}
        readOnlyReason={locked ? null : reason}
        live={live}
      />
    </div>
  );
}
