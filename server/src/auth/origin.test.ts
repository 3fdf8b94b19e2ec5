import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { originAllowed } from './origin';

const request = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

describe('originAllowed', () => {
  it('accepts this host, a listed origin, and clients that send no Origin', () => {
    expect(
      originAllowed(request({ host: 'desk.example:8080', origin: 'http://desk.example:8080' }), []),
    ).toBe(true);
    expect(
      originAllowed(request({ host: 'desk.example', origin: 'https://cms.example' }), [
        'https://cms.example',
      ]),
    ).toBe(true);
    expect(originAllowed(request({ host: 'desk.example' }), [])).toBe(true);
  });

  it('refuses any other site and an Origin that is not a URL', () => {
    expect(
      originAllowed(request({ host: 'desk.example', origin: 'https://evil.example' }), []),
    ).toBe(false);
    expect(originAllowed(request({ host: 'desk.example', origin: 'null' }), [])).toBe(false);
  });
});
