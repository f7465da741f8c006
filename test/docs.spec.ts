import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SETTINGS } from '../apps/gateway/src/config';

/** The README's configuration table must name every setting the parser knows. */
it('documents every setting in the README', () => {
  const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');
  for (const s of SETTINGS) {
    expect(readme).toContain(`\`${s.env}\``);
    expect(readme).toContain(`\`${s.yaml}\``);
  }
});
