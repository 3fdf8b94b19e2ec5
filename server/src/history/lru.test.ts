import { describe, expect, it } from 'vitest';
import { Lru } from './lru';

describe('Lru', () => {
  it('drops the least recently used entry past its count', () => {
    const lru = new Lru<string>(2);
    lru.set('a', 'A');
    lru.set('b', 'B');
    expect(lru.get('a')).toBe('A');
    lru.set('c', 'C');
    expect(lru.get('b')).toBeUndefined();
    expect(lru.get('a')).toBe('A');
    expect(lru.count).toBe(2);
  });

  it('drops the least recently used entries past its weight, keeping the newest', () => {
    const lru = new Lru<string>(100, (v) => v.length, 10);
    lru.set('a', 'xxxx');
    lru.set('b', 'yyyy');
    lru.set('c', 'zzzz');
    expect(lru.get('a')).toBeUndefined();
    expect(lru.count).toBe(2);
    expect(lru.weight).toBe(8);
    lru.set('big', 'w'.repeat(50));
    expect(lru.count).toBe(1);
    expect(lru.get('big')).toHaveLength(50);
    lru.delete('big');
    expect(lru.weight).toBe(0);
  });
});
