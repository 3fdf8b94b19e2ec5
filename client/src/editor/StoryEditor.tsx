import {
  CloseCode,
  canEditStory,
  canWrite,
  type PublicUser,
  type StoryView,
} from '@copydesk/shared';
import { useEffect, useMemo, useRef, useState } from 'react';
import { ActivityPanel } from '../activity/ActivityPanel';
import { useStoryActivity } from '../activity/useStoryActivity';
import { deskHref } from '../app/route';
import { CommentsPanel } from '../comments/CommentsPanel';
import { useComments } from '../comments/useComments';
import { useNow } from '../common/clock';
import { TopBar } from '../common/TopBar';
import { AuthorToggle } from '../history/AuthorToggle';
import { DiffView } from '../history/DiffView';
import { type Comparison, HistoryPanel } from '../history/HistoryPanel';
import { recentAttribution, recentEditKeys } from '../history/recentMarks';
import { useAttribution } from '../history/useAttribution';
import { useMarkSeen } from '../history/useMarkSeen';
import { ConnectionIndicator, useConnectionState } from './ConnectionIndicator';
import { EditorToolbar } from './EditorToolbar';
import { ExportMenu } from './ExportMenu';
import { MetaFields } from './MetaFields';
import { PeoplePanel } from './PeoplePanel';
import { PresenceBar } from './PresenceBar';
import { usePeople } from './people';
import { type PanelTab, SidePanel } from './SidePanel';
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
  /** Watch mode: read-only until "Edit", activity open, recent text underlined. */
  watch?: boolean;
  onSignOut: () => void;
  onSessionEnded: () => void;
}

const readOnlyReason = (
  user: PublicUser,
  story: StoryView | null,
  closed: boolean,
  watching: boolean,
): string | null => {
  if (!canWrite(user.role)) return 'Read-only: viewers can follow the story live but not edit it.';
  if (closed) return 'Read-only until you reconnect.';
  if (watching) return 'Watching: read-only. Choose “Edit” to make changes.';
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
  const { session, user, story, live, onSignOut, onSessionEnded, watch = false } = props;
  const connection = useConnectionState(session.save);
  const people = usePeople(session.awareness);
  const closed = connection.kind === 'closed';
  const [editing, setEditing] = useState(false);
  const watching = watch && !editing;
  const reason = readOnlyReason(user, story, closed, watching);
  const readOnly = reason !== null;
  const locked = story !== null && canWrite(user.role) && !canEditStory(user.role, story.status);
  const [tab, setTab] = useState<PanelTab>(watch ? 'activity' : 'people');
  const [comparing, setComparing] = useState<Comparison | null>(null);
  const [byAuthor, setByAuthor] = useState(false);
  const activity = useStoryActivity(session.storyId);
  const comments = useComments(session.storyId);
  // Watch mode reads who wrote what too, to underline what was added in the last minutes.
  const attribution = useAttribution(session.storyId, session.doc, byAuthor || watch);
  const now = useNow();
  const recentKeys = recentEditKeys(
    activity.state.kind === 'ok' ? activity.state.entries : [],
    now,
  ).join(',');
  const attributionData = attribution.kind === 'on' ? attribution.data : null;
  const shownAttribution = useMemo(() => {
    if (!attributionData || byAuthor) return attributionData;
    return recentAttribution(attributionData, recentKeys ? recentKeys.split(',') : []);
  }, [attributionData, byAuthor, recentKeys]);
  const canEditHere =
    story !== null && canWrite(user.role) && canEditStory(user.role, story.status);
  const fieldProps = {
    session,
    people,
    readOnly,
    attribution: shownAttribution,
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
        {watch ? (
          <span className="watch-note" data-testid="watch-note">
            {watching ? 'Watching' : 'Editing'} · recent text underlined
          </span>
        ) : null}
        {watching && canEditHere ? (
          <button
            type="button"
            className="button"
            data-testid="watch-edit"
            onClick={() => setEditing(true)}
          >
            Edit
          </button>
        ) : null}
        <AuthorToggle
          state={byAuthor ? attribution : { kind: 'off' }}
          on={byAuthor}
          onToggle={() => setByAuthor((on) => !on)}
        />
        <ExportMenu storyId={session.storyId} />
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
            className={`story-fields${locked ? ' story-locked' : ''}${byAuthor && attribution.kind === 'on' ? ' by-author' : ''}${watch && !byAuthor ? ' watch-recent' : ''}`}
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
        <SidePanel tab={tab} onTab={setTab} badges={{ comments: comments.unresolved }}>
          {tab === 'people' ? <PeoplePanel storyId={session.storyId} people={people} /> : null}
          {tab === 'history' ? (
            <HistoryPanel
              storyId={session.storyId}
              user={user}
              comparing={comparing}
              onCompare={setComparing}
            />
          ) : null}
          {tab === 'activity' ? <ActivityPanel activity={activity} selfId={user.id} /> : null}
          {tab === 'comments' ? (
            <CommentsPanel session={session} user={user} comments={comments} />
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
