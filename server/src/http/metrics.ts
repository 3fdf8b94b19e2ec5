import { Router } from 'express';
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';

export interface MetricSources {
  loadedStories: () => number;
  syncConnections: () => number;
  deskConnections: () => number;
  awarenessStates: () => number;
  activityWorkingCopies: () => number;
  /** Activity worker threads lost and replaced (0 when the feed runs in the main thread). */
  activityWorkerRestarts: () => number;
  /** Catch-ups from the update log by rooms whose bus messages were missing or late. */
  clusterCatchUps: () => number;
  /** Commits held a moment because their story was streaming edits (write-scheduler.ts). */
  streamingPauses: () => number;
}

/** GET /metrics in Prometheus text: process metrics plus what a desk operator watches. */
export const metricsRouter = (sources: MetricSources): Router => {
  const registry = new Registry();
  // The event-loop lag histogram samples every 100 ms, not prom-client's default 10 ms: 100
  // wakeups a second cost an idle server ~0.9 % of a core, most of what it spends doing nothing.
  collectDefaultMetrics({
    register: registry,
    prefix: 'copydesk_',
    eventLoopMonitoringPrecision: 100,
  });
  const gauge = (name: string, help: string, read: () => number) =>
    new Gauge({
      name,
      help,
      registers: [registry],
      collect() {
        this.set(read());
      },
    });
  gauge('copydesk_loaded_stories', 'Stories loaded in memory', sources.loadedStories);
  gauge('copydesk_sync_connections', 'Open Yjs sync connections', sources.syncConnections);
  // Leak check (the soak): entries must go when their connection or story goes.
  gauge(
    'copydesk_awareness_states',
    'Awareness entries held by loaded stories',
    sources.awarenessStates,
  );
  gauge(
    'copydesk_activity_working_copies',
    'Stories whose activity-feed working copy is in memory',
    sources.activityWorkingCopies,
  );
  const counter = (name: string, help: string, read: () => number) => {
    let counted = 0;
    return new Counter({
      name,
      help,
      registers: [registry],
      collect() {
        const total = read();
        this.inc(total - counted);
        counted = total;
      },
    });
  };
  // Instances stay in step over Redis; each catch-up means a bus message was missing or late.
  counter(
    'copydesk_cluster_catchups_total',
    'Update-log catch-ups because a message from another instance was missing or late',
    sources.clusterCatchUps,
  );
  // The feed recovers by itself (copies rebuilt from storage); a rising count is a bug to chase.
  counter(
    'copydesk_activity_worker_restarts_total',
    'Activity-feed worker threads that crashed or hung and were replaced',
    sources.activityWorkerRestarts,
  );
  // A replay, an import or a crowd typing into one story; typing alone never causes one.
  counter(
    'copydesk_streaming_pauses_total',
    'Commits of a story streaming edits held a moment to carry more of them',
    sources.streamingPauses,
  );
  gauge('copydesk_desk_connections', 'Open desk (Socket.IO) connections', sources.deskConnections);
  const router = Router();
  router.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  return router;
};
