import { type ActivityEntry, countWords, type StorySummary } from '@copydesk/shared';
import { useCallback, useEffect, useRef, useState } from 'react';
import { fetchCommentCounts, fetchStory, listStories } from '../api/endpoints';
import { errorMessage } from '../api/http';
import { useDeskConnectCount, useDeskEvent } from '../presence/usePresence';

/** Fallback refresh of the list and comment counts; live events do the rest. */
const POLL_MS = 10_000;
/** A story's counts are re-read at most this often while people type in it. */
const METRICS_MIN_GAP_MS = 3_000;
/** Parallel story reads while filling the cards of a big desk. */
const METRICS_CONCURRENCY = 3;
/** Status moves reload the list, batched. */
const RELOAD_DEBOUNCE_MS = 300;

/** What a card shows about the text: synopsis words and takeaways (from `GET /api/stories/:id`). */
export interface StoryMetrics {
  synopsisWords: number;
  takeaways: number;
}

/**
 * Reads story views one queue for the whole monitor: each story at most once per
 * METRICS_MIN_GAP_MS (later requests fold into one trailing read), a few at a time.
 */
class MetricsLoader {
  private readonly queue: string[] = [];
  private readonly queued = new Set<string>();
  private readonly lastRead = new Map<string, number>();
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly controller = new AbortController();
  private active = 0;

  constructor(private readonly onMetrics: (id: string, metrics: StoryMetrics) => void) {}

  request(id: string): void {
    if (this.controller.signal.aborted || this.queued.has(id) || this.timers.has(id)) return;
    const wait = (this.lastRead.get(id) ?? 0) + METRICS_MIN_GAP_MS - Date.now();
    if (wait > 0) {
      this.timers.set(
        id,
        setTimeout(() => {
          this.timers.delete(id);
          this.request(id);
        }, wait),
      );
      return;
    }
    this.queued.add(id);
    this.queue.push(id);
    this.pump();
  }

  private pump(): void {
    while (this.active < METRICS_CONCURRENCY && this.queue.length > 0) {
      const id = this.queue.shift();
      if (!id) break;
      this.queued.delete(id);
      this.lastRead.set(id, Date.now());
      this.active += 1;
      fetchStory(id, this.controller.signal)
        .then((view) => {
          if (this.controller.signal.aborted) return;
          this.onMetrics(id, {
            synopsisWords: countWords(view.synopsis),
            takeaways: view.takeaways.length,
          });
        })
        .catch(() => {
          // A deleted story or a network blip: the next event or poll asks again.
        })
        .finally(() => {
          this.active -= 1;
          this.pump();
        });
    }
  }

  stop(): void {
    this.controller.abort();
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}

export interface MonitorState {
  stories: StorySummary[] | null;
  error: string | null;
  metrics: ReadonlyMap<string, StoryMetrics>;
  unresolved: ReadonlyMap<string, number>;
  reload: () => void;
}

/** A newer activity entry moves a story's "last edit" to it. */
const applyEntry = (story: StorySummary, entry: ActivityEntry): StorySummary => {
  if (Date.parse(entry.lastAt) < Date.parse(story.updatedAt)) return story;
  return {
    ...story,
    updatedAt: entry.lastAt,
    updatedBy: entry.userId,
    updatedByName: entry.userName,
    ...(entry.kind === 'status' && entry.toStatus ? { status: entry.toStatus } : {}),
  };
};

/** Everything the monitor shows, live: stories, their counts and unresolved comments. */
export function useMonitor(): MonitorState {
  const [stories, setStories] = useState<StorySummary[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [metrics, setMetrics] = useState<ReadonlyMap<string, StoryMetrics>>(new Map());
  const [unresolved, setUnresolved] = useState<ReadonlyMap<string, number>>(new Map());
  const loader = useRef<MetricsLoader | null>(null);
  const known = useRef(new Set<string>());
  const reloadTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const inFlight = useRef<AbortController | null>(null);
  const connects = useDeskConnectCount();

  useEffect(() => {
    const created = new MetricsLoader((id, m) =>
      setMetrics((current) => {
        const before = current.get(id);
        if (before?.synopsisWords === m.synopsisWords && before.takeaways === m.takeaways) {
          return current;
        }
        return new Map(current).set(id, m);
      }),
    );
    loader.current = created;
    return () => {
      created.stop();
      loader.current = null;
      clearTimeout(reloadTimer.current);
      inFlight.current?.abort();
    };
  }, []);

  const load = useCallback(async () => {
    inFlight.current?.abort();
    const controller = new AbortController();
    inFlight.current = controller;
    try {
      const [list, counts] = await Promise.all([
        listStories(controller.signal),
        fetchCommentCounts(controller.signal).catch(() => null),
      ]);
      if (controller.signal.aborted) return;
      setStories(list);
      setError(null);
      if (counts) {
        setUnresolved(new Map(Object.entries(counts.stories).map(([id, c]) => [id, c.unresolved])));
      }
      // New stories get their counts read once; later reads follow activity.
      for (const story of list) {
        if (known.current.has(story.id)) continue;
        known.current.add(story.id);
        loader.current?.request(story.id);
      }
    } catch (caught) {
      if (!controller.signal.aborted) setError(errorMessage(caught));
    }
  }, []);

  // biome-ignore lint/correctness/useExhaustiveDependencies: `connects` reloads after a reconnect.
  useEffect(() => {
    void load();
    const timer = setInterval(() => {
      if (!document.hidden) void load();
    }, POLL_MS);
    return () => clearInterval(timer);
  }, [load, connects]);

  const scheduleReload = useCallback(() => {
    clearTimeout(reloadTimer.current);
    reloadTimer.current = setTimeout(() => void load(), RELOAD_DEBOUNCE_MS);
  }, [load]);

  const onEntry = (entry: ActivityEntry) => {
    setStories((current) => {
      if (!current) return current;
      let found = false;
      const next = current.map((story) => {
        if (story.id !== entry.storyId) return story;
        found = true;
        return applyEntry(story, entry);
      });
      if (!found) scheduleReload();
      return found ? next : current;
    });
    if (entry.kind === 'status' || entry.kind === 'created') scheduleReload();
    else loader.current?.request(entry.storyId);
  };
  useDeskEvent('activity:new', onEntry);
  useDeskEvent('activity:updated', onEntry);
  useDeskEvent('comment:new', (p) => setUnresolved((c) => new Map(c).set(p.storyId, p.unresolved)));
  useDeskEvent('comment:updated', (p) =>
    setUnresolved((c) => new Map(c).set(p.storyId, p.unresolved)),
  );

  return { stories, error, metrics, unresolved, reload: scheduleReload };
}
