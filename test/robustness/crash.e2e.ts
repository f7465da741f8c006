import { cli, startGateway } from '../support/server';

/**
 * Acknowledge after commit: keys and credentials reported created survive a kill -9 at any moment.
 * Creation runs flat out through the JOSE API, the process is killed mid-stream, and after a
 * restart every acknowledged key still works.
 */
it('loses nothing acknowledged when killed with SIGKILL', async () => {
  let gw = await startGateway();
  const dataDir = gw.dataDir;
  await cli(dataDir, ['tenant', 'create', 'crash']);
  const token = (await cli(dataDir, ['credential', 'jose', 'crash'])).json.token;
  const acknowledged: string[] = [];
  const post = (url: string, path: string, body: unknown) =>
    fetch(`${url}/v1/crypto/${path}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });

  let stop = false;
  const workers = Array.from({ length: 8 }, async () => {
    while (!stop) {
      try {
        const res = await post(gw.url, 'keys', { kty: 'oct', alg: 'A256GCM' });
        if (res.status === 200) acknowledged.push(((await res.json()) as { kid: string }).kid);
      } catch {
        return; // the connection died with the process
      }
    }
  });
  while (acknowledged.length < 200) await new Promise((r) => setTimeout(r, 5));
  await gw.kill9();
  stop = true;
  await Promise.all(workers);

  gw = await startGateway({}, dataDir);
  try {
    expect(acknowledged.length).toBeGreaterThanOrEqual(200);
    for (const kid of acknowledged) {
      const res = await post(gw.url, 'encrypt', { kid, alg: 'dir', enc: 'A256GCM', data: 'c3Vydml2ZWQ' });
      expect([kid, res.status]).toEqual([kid, 200]);
    }
    // Every acknowledged create left its audit row too (fail closed: no answer before the row).
    const audit = (await cli(dataDir, ['audit', '--tenant', 'crash', '--limit', '10000'])).json as Array<{ operation: string; keyId: string }>;
    const audited = new Set(audit.filter((a) => a.operation === 'create').map((a) => a.keyId));
    expect(acknowledged.filter((k) => !audited.has(k))).toEqual([]);
  } finally {
    await gw.stop();
    gw.cleanup();
  }
}, 120000);
