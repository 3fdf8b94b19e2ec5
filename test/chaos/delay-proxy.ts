import net from 'node:net';
import { type Rng, rng } from './lib';

export interface DelayProxy {
  readonly port: number;
  /** Drops every connection through the proxy (the client sees 1006 and reconnects). */
  cut(): void;
  close(): Promise<void>;
}

/**
 * A loopback TCP proxy that delays every chunk by up to `maxDelayMs` and splits it into random
 * pieces, keeping the byte order of each direction (TCP semantics) but changing when bytes
 * arrive relative to other clients' traffic.
 */
export const startDelayProxy = async (
  targetPort: number,
  options: { seed: number; maxDelayMs: number; maxPieces?: number },
): Promise<DelayProxy> => {
  const random: Rng = rng(options.seed);
  const sockets = new Set<net.Socket>();
  const pipe = (from: net.Socket, to: net.Socket) => {
    // One queue per direction, drained in order by a single timer: byte order is kept exactly.
    const queue: { at: number; piece: Buffer }[] = [];
    let timer: NodeJS.Timeout | null = null;
    let ended = false;
    const pump = () => {
      timer = null;
      while (queue.length > 0 && (queue[0]?.at ?? 0) <= Date.now()) {
        const item = queue.shift();
        if (item && !to.destroyed) to.write(item.piece);
      }
      if (queue.length > 0) timer = setTimeout(pump, Math.max(0, (queue[0]?.at ?? 0) - Date.now()));
      else if (ended) to.destroy();
    };
    let lastAt = 0;
    from.on('data', (chunk: Buffer) => {
      const pieces = random.int(1, options.maxPieces ?? 4);
      let offset = 0;
      for (let p = 0; p < pieces && offset < chunk.length; p++) {
        const end =
          p === pieces - 1
            ? chunk.length
            : Math.min(chunk.length, offset + random.int(1, chunk.length));
        const at = Math.max(lastAt, Date.now() + random.int(0, options.maxDelayMs));
        lastAt = at;
        queue.push({ at, piece: Buffer.from(chunk.subarray(offset, end)) });
        offset = end;
      }
      if (!timer) timer = setTimeout(pump, Math.max(0, (queue[0]?.at ?? 0) - Date.now()));
    });
    from.on('close', () => {
      ended = true;
      if (!timer) pump();
    });
    from.on('error', () => to.destroy());
  };
  const server = net.createServer((client) => {
    const upstream = net.connect(targetPort, '127.0.0.1');
    sockets.add(client);
    sockets.add(upstream);
    client.on('close', () => sockets.delete(client));
    upstream.on('close', () => sockets.delete(upstream));
    pipe(client, upstream);
    pipe(upstream, client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    port,
    cut: () => {
      for (const s of sockets) s.destroy();
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
};
