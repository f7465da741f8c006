import { spawnSync } from 'node:child_process';
import { HEAP_GROWING_PERCENT, applyHeapPolicy } from './heap-policy';

describe('applyHeapPolicy', () => {
  it('sets the growing factor, unless node was started with one', () => {
    const set: string[] = [];
    expect(applyHeapPolicy([], (f) => set.push(f))).toBe(true);
    expect(set).toEqual([`--heap-growing-percent=${HEAP_GROWING_PERCENT}`]);
    for (const own of ['--heap-growing-percent=30', '--heap_growing_percent=30', '--heap-growing-percent']) {
      expect(applyHeapPolicy(['--enable-source-maps', own], (f) => set.push(f))).toBe(false);
    }
    expect(set).toHaveLength(1);
  });

  it('takes effect at run time on this node: the next full GC sets its limit with that factor', () => {
    const script = `
      const v8 = require('node:v8');
      v8.setFlagsFromString('--heap-growing-percent=${HEAP_GROWING_PERCENT}');
      v8.setFlagsFromString('--trace-gc-verbose');
      global.gc();`;
    const r = spawnSync(process.execPath, ['--expose-gc', '-e', script], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    const factor = (1 + HEAP_GROWING_PERCENT / 100).toFixed(1);
    // V8 12 (Node 22) prints the factor in use on its `Limit:` line, V8 13+ (Node 24) on a `factor` line.
    const f = factor.replace('.', '\\.');
    expect(r.stdout).toMatch(new RegExp(`\\[HeapController\\] (Limit: .* \\(${f}\\)|factor ${f} based on)`));
  });
});
