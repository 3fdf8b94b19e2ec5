import { buildServer, serverBuildIsStale } from '../../scripts/build-server.mjs';

/**
 * vitest globalSetup: the cross-process tests run the built server (server/dist), as
 * `npm start` and the Docker image do, so it is rebuilt here when a source is newer.
 */
export default async function setup(): Promise<void> {
  if (serverBuildIsStale()) await buildServer();
}
