import type { ChangedSince, StorySummary } from '@copydesk/shared';
import { navigate, storyHref } from '../app/route';
import { RelativeTime } from '../common/RelativeTime';
import { StatusPill } from '../common/StatusPill';
import { StoryPeople } from '../presence/StoryPeople';

/** Newest activity first; the server sorts already, but a re-sort keeps polling stable. */
const byUpdatedDesc = (a: StorySummary, b: StorySummary): number =>
  Date.parse(b.updatedAt) - Date.parse(a.updatedAt);

/** "Changed since you last looked": a dot before the headline, who and how much on hover. */
function ChangedMarker({ change }: { change: ChangedSince | undefined }) {
  // The space is kept when there is nothing to mark, so headlines never shift.
  if (!change?.changed) return <span className="changed-marker changed-marker-none" />;
  const who = change.authors.map((a) => a.displayName).join(', ');
  const label = `Changed since you last looked${who ? ` by ${who}` : ''} (${change.updates} edits)`;
  return (
    <span
      className="changed-marker"
      role="img"
      aria-label={label}
      title={label}
      data-testid="changed-marker"
    />
  );
}

export function DeskTable({
  stories,
  changes,
}: {
  stories: StorySummary[];
  changes: ReadonlyMap<string, ChangedSince>;
}) {
  const sorted = [...stories].sort(byUpdatedDesc);
  return (
    <table className="desk-table" data-testid="desk-table">
      <thead>
        <tr>
          <th scope="col" className="col-status">
            Status
          </th>
          <th scope="col">Headline</th>
          <th scope="col" className="col-people">
            Who is in it
          </th>
          <th scope="col" className="col-updated">
            Last update
          </th>
        </tr>
      </thead>
      <tbody>
        {sorted.map((story) => (
          <tr
            key={story.id}
            className="desk-row"
            data-testid="desk-row"
            data-story-id={story.id}
            // The whole row is a click target; the headline link is the keyboard target.
            onClick={(event) => {
              if (!(event.target instanceof HTMLAnchorElement)) navigate(storyHref(story.id));
            }}
          >
            <td className="col-status">
              <StatusPill status={story.status} />
            </td>
            <td className="col-headline">
              <ChangedMarker change={changes.get(story.id)} />
              <a href={storyHref(story.id)} className={story.headline ? '' : 'untitled'}>
                {story.headline || 'Untitled story'}
              </a>
            </td>
            <td className="col-people">
              <StoryPeople storyId={story.id} />
            </td>
            <td className="col-updated">
              <RelativeTime iso={story.updatedAt} />
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
