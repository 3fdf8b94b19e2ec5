/**
 * Hocuspocus peer for the benchmark: @hocuspocus/server 3 with its defaults, in memory, no
 * extensions. HOST and PORT come from the environment (like the reference server's bin).
 * Plain JavaScript, so it runs on bare Node as the reference server does (no tsx loader).
 */
import { Server } from '@hocuspocus/server';

const server = new Server({
  address: process.env.HOST ?? '127.0.0.1',
  port: Number(process.env.PORT ?? 1234),
  quiet: true,
  // Nothing to store: exit at once on SIGTERM (its own handler waits for documents to unload).
  stopOnSignals: false,
});
await server.listen();
process.on('SIGTERM', () => process.exit(0));
process.on('SIGINT', () => process.exit(0));
