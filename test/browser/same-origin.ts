import http from 'node:http';
import type { AddressInfo } from 'node:net';
import net from 'node:net';

export interface SameOrigin {
  readonly baseUrl: string;
  close(): Promise<void>;
}

/**
 * One origin in front of two servers, for features whose server part is still served on a
 * port of its own in tests (the browser only talks to its own origin: cookies, CSP). Requests
 * whose path `divert` accepts go to `other`, everything else (WebSocket upgrades too) to `main`.
 */
export const sameOrigin = async (
  main: string,
  other: string,
  divert: (path: string) => boolean,
): Promise<SameOrigin> => {
  const target = (path: string) => new URL(divert(path) ? other : main);
  const server = http.createServer((req, res) => {
    const to = target(req.url ?? '/');
    const upstream = http.request(
      {
        host: to.hostname,
        port: to.port,
        path: req.url,
        method: req.method,
        headers: req.headers,
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    upstream.on('error', () => res.destroy());
    req.pipe(upstream);
  });
  server.on('upgrade', (req, socket, head) => {
    const to = target(req.url ?? '/');
    const upstream = net.connect(Number(to.port), to.hostname, () => {
      let raw = `${req.method} ${req.url} HTTP/1.1\r\n`;
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        raw += `${req.rawHeaders[i]}: ${req.rawHeaders[i + 1]}\r\n`;
      }
      upstream.write(`${raw}\r\n`);
      if (head.length > 0) upstream.write(head);
      upstream.pipe(socket);
      socket.pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
};
