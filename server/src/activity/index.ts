export {
  type ActivityListener,
  type ActivityLiveEvent,
  ActivityRecorder,
  type ActivityRecorderOptions,
} from './activity-recorder';
export { type ActivityRouterDeps, activityRouter } from './activity-routes';
export { requireUser } from './route-helpers';
export { StoryTracker } from './story-tracker';
export { UserDirectory } from './user-directory';
export { wordDelta } from './word-delta';
