import type { ActivityEntry, AttributionResponse, AttributionRun } from '@copydesk/shared';

/** Watch mode underlines text by people who edited its field within this window. */
export const RECENT_WINDOW_MS = 5 * 60_000;

/**
 * `${userId}|${field}` for every (author, field) with an edit in the window; `field` is
 * `headline`, `synopsis`, `body` or `takeaway:<index>`. Sorted, so it works as a memo key.
 */
export const recentEditKeys = (
  entries: readonly ActivityEntry[],
  now: number,
  windowMs = RECENT_WINDOW_MS,
): string[] => {
  const keys = new Set<string>();
  for (const e of entries) {
    if (now - Date.parse(e.lastAt) > windowMs) continue;
    if (e.kind === 'removed' || e.kind === 'cleared' || e.kind === 'moved') continue;
    if (e.field === 'takeaway' && e.takeawayIndex !== null) {
      keys.add(`${e.userId}|takeaway:${e.takeawayIndex}`);
    } else if (e.field === 'headline' || e.field === 'synopsis' || e.field === 'body') {
      keys.add(`${e.userId}|${e.field}`);
    }
  }
  return [...keys].sort();
};

const keep = (runs: AttributionRun[], field: string, keys: Set<string>): AttributionRun[] =>
  runs.map((run) =>
    run.userId && keys.has(`${run.userId}|${field}`) ? run : { text: run.text, userId: null },
  );

/**
 * The attribution with only recent authors' runs attributed (the rest anonymous), so the
 * author marks underline just what was written in the last few minutes. The attribution has no
 * per-run time, so "recent" means: written by someone whose activity in that field is recent.
 */
export const recentAttribution = (
  data: AttributionResponse,
  recentKeys: readonly string[],
): AttributionResponse => {
  const keys = new Set(recentKeys);
  return {
    ...data,
    fields: {
      ...data.fields,
      headline: keep(data.fields.headline, 'headline', keys),
      synopsis: keep(data.fields.synopsis, 'synopsis', keys),
      body: keep(data.fields.body, 'body', keys),
      takeaways: data.fields.takeaways.map((runs, i) => keep(runs, `takeaway:${i}`, keys)),
    },
  };
};
