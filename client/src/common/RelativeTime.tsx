import { formatExact, formatRelative, useNow } from './clock';

/** A live relative time ("2 min ago") with the exact time on hover. */
export function RelativeTime({ iso }: { iso: string }) {
  const now = useNow();
  const time = Date.parse(iso);
  if (Number.isNaN(time)) return <span>—</span>;
  // Clock skew between server and browser must not show "in 3 s".
  const shown = Math.min(time, now);
  return (
    <time dateTime={iso} title={formatExact(time)}>
      {formatRelative(shown, now)}
    </time>
  );
}
