import { acceptedSignStrings, signString } from './sign-string';

/** The definition: the server's string, then the empty-string-keeping variant when it differs. */
function reference(params: Record<string, unknown>): string[] {
  const canonical = signString(params);
  const kept = signString(params, { keepEmptyStrings: true });
  return kept === canonical ? [canonical] : [canonical, kept];
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
  ])('%s', (_, payload) => {
    const params = { ...base, payload };
    expect(acceptedSignStrings(params)).toEqual(reference(params));
  });

  it('offers the variant only when an empty string is signed', () => {
    expect(acceptedSignStrings({ ...base, payload: { keyid: 'k' } })).toHaveLength(1);
    expect(acceptedSignStrings({ ...base, payload: { aad: '', keyid: 'k' } })).toEqual([
      'appid=a1&nonce=n&payload=keyid=k&timestamp=1764669600000',
      'appid=a1&nonce=n&payload=aad=&keyid=k&timestamp=1764669600000',
    ]);
  });
});
