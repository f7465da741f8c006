import { nearestCommand, render } from './cli-output';

describe('CLI output', () => {
  it('json is the value, indented', () => {
    expect(render({ a: 1, b: [1, 2] }, 'json')).toBe(JSON.stringify({ a: 1, b: [1, 2] }, null, 2));
  });

  it('a list is a grid with a column per field, in first-seen order', () => {
    expect(
      render(
        [
          { id: 'k1', spec: 'aes-256' },
          { id: 'k2', spec: 'ec-p256', label: 'x' },
        ],
        'table',
      ).split('\n'),
    ).toEqual(['id  spec     label', '--  -------  -----', 'k1  aes-256', 'k2  ec-p256  x']);
    expect(render([], 'table')).toBe('(none)');
  });

  it('a page of a list shows its rows, then the rest of the answer', () => {
    expect(render({ total: 1, keys: [{ id: 'k1' }] }, 'table').split('\n')).toEqual(['id', '--', 'k1', 'total: 1']);
  });

  it('one object is a field per line; nested values are compact JSON cut at 60 characters', () => {
    const out = render({ id: 'k1', tags: { a: 'b' }, publicKey: 'A'.repeat(100), gone: null }, 'table').split('\n');
    expect(out).toEqual(['id         k1', 'tags       {"a":"b"}', `publicKey  ${'A'.repeat(59)}…`, 'gone']);
  });

  it('suggests the nearest command for a typo, comparing as many words as the command has', () => {
    const commands = ['tenant create', 'tenant list', 'key rotate', 'key alias set', 'audit'];
    expect(nearestCommand(['tenat', 'list'], commands)).toBe('tenant list');
    expect(nearestCommand(['key', 'rotat', '2f1c0f0e-0000-4000-8000-000000000000'], commands)).toBe('key rotate');
    expect(nearestCommand(['key', 'alias', 'st', 'team', 'name', 'id'], commands)).toBe('key alias set');
    expect(nearestCommand(['audt'], commands)).toBe('audit');
    expect(nearestCommand(['frobnicate', 'everything'], commands)).toBeNull();
  });
});
