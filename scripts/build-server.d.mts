/** The built server's entry point, server/dist/main.mjs. */
export declare const SERVER_ENTRY: string;
/** The node flags the built server runs with (before SERVER_ENTRY). */
export declare const SERVER_NODE_ARGS: readonly string[];
/** True when server/dist is missing or older than the server's or shared sources. */
export declare const serverBuildIsStale: () => boolean;
/** Builds server/dist; resolves with SERVER_ENTRY. */
export declare const buildServer: () => Promise<string>;
/** True when `built` is missing or older than a file under `sources` (directories or files). */
export declare const isStale: (built: string, sources: readonly string[]) => boolean;
