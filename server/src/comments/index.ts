export { anchorOrder, createAnchor, resolveAnchor } from './anchors';
export { type CommentsRouterDeps, commentsRouter } from './comment-routes';
export {
  type CommentListener,
  type CommentLiveEvent,
  CommentService,
  type CommentServiceOptions,
  type DocAccess,
  roomDocs,
} from './comment-service';
