import { acceptedSignStrings, signString } from './sign-string';

/** The definition: the server's string first, then every distinct variant (both flags, each way). */
function reference(params: Record<string, unknown>, plusForSpace = false): string[] {
  const out = new Set<string>();
  for (const keepOrder of [false, true]) {
    for (const keepEmptyStrings of [false, true]) {
      const text = signString(params, { keepOrder, keepEmptyStrings });
      out.add(text);
      if (plusForSpace) out.add(text.replaceAll(' ', '+'));
    }
  }
  return [...out];
}

describe('acceptedSignStrings', () => {
  const base = { appid: 'a1', nonce: 'n', timestamp: '1764669600000' };
  it.each<[string, unknown]>([
    ['no empty value', { keyid: 'k', plaintext: 'cA==' }],
    ['an empty aad', { keyid: 'k', aad: '', plaintext: 'cA==' }],
    ['an empty string deep down', { keyid: 'k', nested: { deeper: { x: '' } } }],
    ['an empty string in an array', { keyid: 'k', list: ['a', ''] }],
    ['an array that is loosely empty', { keyid: 'k', list: [''] }],
    ['nulls, zeros and false', { keyid: 'k', a: null, b: 0, c: false, d: undefined }],
    ['an empty object', { keyid: 'k', o: {} }],
    ['no payload', undefined],
    ['keys out of order', { plaintext: 'cA==', keyid: 'k' }],
    ['keys out of order deep down, and an empty aad', { keyid: 'k', o: { z: 1, a: 2 }, aad: '' }],
    ['a space', { keyid: 'k', plaintext: 'a b+c' }],
  ])('%s', (_, payload) => {
    const params = { ...base, payload };
    expect(new Set(acceptedSignStrings(params))).toEqual(new Set(reference(params)));
    expect(new Set(acceptedSignStrings(params, { plusForSpace: true }))).toEqual(new Set(reference(params, true)));
    expect(acceptedSignStrings(params)[0]).toBe(signString(params));
  });

  it('signs the received payload order only below the top level, which stays sorted', () => {
    expect(acceptedSignStrings({ appid: 'a1', timestamp: 't', payload: { keyid: 'k', ciphertext: 'c' } })).toEqual([
      'appid=a1&payload=ciphertext=c&keyid=k&timestamp=t',
      'appid=a1&payload=keyid=k&ciphertext=c&timestamp=t',
    ]);
  });

  it('signs spaces as + only when asked (the v1 samples), and only when a space is signed', () => {
    const params = { appid: 'a1', timestamp: 't', payload: { plaintext: 'a b' } };
    expect(acceptedSignStrings(params)).toEqual(['appid=a1&payload=plaintext=a b&timestamp=t']);
    expect(acceptedSignStrings(params, { plusForSpace: true })).toEqual(['appid=a1&payload=plaintext=a b&timestamp=t', 'appid=a1&payload=plaintext=a+b&timestamp=t']);
    expect(acceptedSignStrings({ ...params, payload: { plaintext: 'a+b' } }, { plusForSpace: true })).toHaveLength(1);
  });

  it('offers the variant only when an empty string is signed', () => {
    expect(acceptedSignStrings({ ...base, payload: { keyid: 'k' } })).toHaveLength(1);
    expect(acceptedSignStrings({ ...base, payload: { aad: '', keyid: 'k' } })).toEqual([
      'appid=a1&nonce=n&payload=keyid=k&timestamp=1764669600000',
      'appid=a1&nonce=n&payload=aad=&keyid=k&timestamp=1764669600000',
    ]);
  });
});
