export { ActivityRecorder, type ActivityRecorderOptions } from './activity-recorder';
export { type ActivityRouterDeps, activityRouter } from './activity-routes';
export type { ActivityListener, ActivityLiveEvent } from './live-events';
export { requireUser } from './route-helpers';
export { StoryTracker } from './story-tracker';
export { InProcessTrackerEngine, type TrackerEngine } from './tracker-engine';
export { UserDirectory } from './user-directory';
export { wordDelta } from './word-delta';
export { WorkerTrackerEngine } from './worker-tracker-engine';
