import { safeColor } from '../common/Avatar';
import type { AttributionState } from './useAttribution';

/** "Colour by author": the editor's text in the colour of whoever wrote it. */
export function AuthorToggle({
  state,
  on,
  onToggle,
}: {
  state: AttributionState;
  on: boolean;
  onToggle: () => void;
}) {
  const users = state.kind === 'on' ? Object.values(state.data.users) : [];
  return (
    <div className="author-toggle">
      <button
        type="button"
        className="button button-quiet"
        aria-pressed={on}
        data-testid="author-toggle"
        title="Colour the text by who wrote it"
        onClick={onToggle}
      >
        <span className="toggle-box" aria-hidden="true" />
        Colour by author
      </button>
      {state.kind === 'loading' ? <span className="muted">Loading…</span> : null}
      {state.kind === 'error' ? (
        <span className="author-error" role="status">
          {state.message}
        </span>
      ) : null}
      {users.length > 0 ? (
        <ul className="author-legend" aria-label="Authors" data-testid="author-legend">
          {users.map((user) => (
            <li key={user.id}>
              <span
                className="author-swatch"
                style={{ backgroundColor: safeColor(user.color) }}
                aria-hidden="true"
              />
              {user.displayName}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
