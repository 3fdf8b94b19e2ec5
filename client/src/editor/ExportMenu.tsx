import { EXPORT_FORMATS, exportHref } from '../api/endpoints';

/** Download the live story as ninjs, Markdown or HTML (plain links; the cookie authorises). */
export function ExportMenu({ storyId }: { storyId: string }) {
  return (
    <details className="menu export-menu" data-testid="export-menu">
      <summary className="button button-quiet" aria-label="Download the story">
        Download ▾
      </summary>
      <ul className="menu-list">
        {EXPORT_FORMATS.map(({ format, label }) => (
          <li key={format}>
            <a
              className="menu-item"
              href={exportHref(storyId, format)}
              download
              data-testid={`export-${format}`}
            >
              {label}
            </a>
          </li>
        ))}
      </ul>
    </details>
  );
}
