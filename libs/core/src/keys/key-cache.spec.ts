import type { KeyRecord } from '../key';
import { type CachedKey, KeyCache } from './key-cache';

const entry = (id: string): CachedKey => ({ record: { id } as KeyRecord, loaded: null, checkedAt: 0 });

describe('KeyCache', () => {
  it('keeps a key used at least once every half capacity of insertions, and evicts the unused', () => {
    const cache = new KeyCache(8, 1000);
    for (const id of ['hot', 'a', 'b', 'c']) cache.set(id, entry(id));
    for (let i = 0; i < 200; i++) {
      cache.set(`k${i}`, entry(`k${i}`));
      if (i % 4 === 0) expect(cache.get('hot')?.record.id).toBe('hot');
    }
    expect(cache.size).toBe(8);
    expect(cache.get('hot')).toBeDefined();
    for (const id of ['a', 'b', 'c', 'k0', 'k100']) expect(cache.get(id)).toBeUndefined();
    expect(cache.get('k199')).toBeDefined();
  });

  it('moves a hit to the young end only once it has aged half the capacity', () => {
    const cache = new KeyCache(4, 1000);
    cache.set('a', entry('a'));
    cache.set('b', entry('b'));
    cache.get('a'); // aged 1 insertion: stays first
    cache.set('c', entry('c'));
    cache.get('a'); // aged 2 = half of 4: moves behind c
    cache.set('d', entry('d'));
    cache.set('e', entry('e')); // evicts the oldest: b
    expect(cache.get('b')).toBeUndefined();
    expect(['a', 'c', 'd', 'e'].every((id) => cache.get(id))).toBe(true);
  });
});
