import { JSON_LIMITS, jsonShapeFault } from './json-limits';

const nestedArrays = (levels: number) => JSON.parse('['.repeat(levels) + ']'.repeat(levels)) as unknown;
const nestedObjects = (levels: number) => JSON.parse('{"a":'.repeat(levels - 1) + '{}' + '}'.repeat(levels - 1)) as unknown;
const members = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i]));

describe('jsonShapeFault', () => {
  it('accepts scalars, and the shapes the dialects send', () => {
    for (const v of [null, 1, 'x', true, {}, [], { appid: 'a', payload: { keyid: 'k', aad: '' }, sign: 's' }]) expect(jsonShapeFault(v)).toBeNull();
  });

  it('accepts exactly the depth limit, in objects and arrays, and refuses one level more', () => {
    for (const nested of [nestedArrays, nestedObjects]) {
      expect(jsonShapeFault(nested(JSON_LIMITS.depth))).toBeNull();
      expect(jsonShapeFault(nested(JSON_LIMITS.depth + 1))).toMatch(/^JSON too deep: more than 64 levels/);
    }
    // Mixed, and deep in a later member: the root, `b` and its object are three levels.
    expect(jsonShapeFault({ a: 1, b: [{ c: nestedObjects(JSON_LIMITS.depth - 3) }] })).toBeNull();
    expect(jsonShapeFault({ a: 1, b: [{ c: nestedObjects(JSON_LIMITS.depth - 2) }] })).toMatch(/^JSON too deep/);
  });

  it('survives what it refuses: 100,000 levels (JSON.parse builds them; recursion would overflow)', () => {
    expect(jsonShapeFault(nestedArrays(100_000))).toMatch(/^JSON too deep/);
    expect(jsonShapeFault(nestedObjects(100_000))).toMatch(/^JSON too deep/);
  });

  it('counts every object member and array element across the document', () => {
    expect(jsonShapeFault(members(JSON_LIMITS.items))).toBeNull();
    expect(jsonShapeFault(members(JSON_LIMITS.items + 1))).toMatch(/^JSON too large: more than 10000/);
    expect(jsonShapeFault(new Array(JSON_LIMITS.items + 1).fill(0))).toMatch(/^JSON too large/);
    // 5,000 members and 5,001 elements: together over the limit.
    expect(jsonShapeFault({ a: members(5_000 - 2), b: new Array(5_001).fill(0) })).toMatch(/^JSON too large/);
    expect(jsonShapeFault({ a: members(5_000 - 2), b: new Array(5_000).fill(0) })).toBeNull();
  });
});
