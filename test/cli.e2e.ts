import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, backendEnv, tempDir } from './support/server';

/**
 * The `kms` command, as a user runs it from a clone: `npx kms ...` (package.json `bin`), with
 * tables on a terminal and JSON in a pipe, every command in `--help`, and typos answered with the
 * nearest command.
 */
const dataDir = tempDir('kms-cli-');
const env = { ...process.env, ...backendEnv(), KMS_DATA_DIR: dataDir, KMS_DB_URL: '', KMS_TEST_DB: '' };
// `npx` from PATH, as a user runs it (the Node the suite runs on comes first on PATH in CI).
const kms = (...args: string[]) => spawnSync('npx', ['--no-install', 'kms', ...args], { cwd: ROOT, env, encoding: 'utf8' });
/** The same on a pseudo-terminal (util-linux `script`), where stdout is a TTY. */
const kmsOnTerminal = (...args: string[]) =>
  spawnSync('script', ['-qec', ['npx', '--no-install', 'kms', ...args].map((a) => `'${a}'`).join(' '), '/dev/null'], {
    cwd: ROOT,
    // npm's own progress spinner on a terminal is npm's, not ours.
    env: { ...env, npm_config_progress: 'false' },
    encoding: 'utf8',
  });

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('kms', () => {
  it('--help lists every command the CLI serves', () => {
    const help = kms('--help');
    expect(help.status).toBe(0);
    // Every `case 'group verb':` of the dispatcher, and every lifecycle verb, is in the help.
    const source = readFileSync(join(ROOT, 'apps/gateway/src/cli.ts'), 'utf8');
    const served = [...source.matchAll(/case '([a-z]+ [a-z-]+)':/g)].map((m) => m[1]);
    expect(served.length).toBeGreaterThan(20);
    for (const command of served) expect([command, help.stdout.includes(`\n  ${command} `) || help.stdout.includes(`\n  ${command}\n`)]).toEqual([command, true]);
    expect(help.stdout).toMatch(/^usage: kms <command> \[--output table\|json\]/);
  });

  it('JSON in a pipe, a table on a terminal, and --output to choose', () => {
    expect(kms('tenant', 'create', 'cli-team').status).toBe(0);
    const piped = kms('tenant', 'list');
    expect(piped.status).toBe(0);
    expect((JSON.parse(piped.stdout) as Array<{ name: string }>).map((t) => t.name)).toContain('cli-team');
    const onTerminal = kmsOnTerminal('tenant', 'list');
    expect(onTerminal.status).toBe(0);
    const lines = onTerminal.stdout.replace(/\r/g, '').trim().split('\n');
    expect(lines[0]).toMatch(/^id +name +createdAt$/);
    expect(lines[1]).toMatch(/^-+ +-+ +-+$/);
    expect(lines.some((l) => / cli-team /.test(l))).toBe(true);
    expect(JSON.parse(kmsOnTerminal('tenant', 'list', '--output', 'json').stdout.replace(/\r/g, ''))).toEqual(JSON.parse(piped.stdout));
    expect(kms('tenant', 'list', '--output', 'table').stdout.split('\n')[0]).toMatch(/^id +name +createdAt$/);
    const bad = kms('tenant', 'list', '--output', 'yaml');
    expect([bad.status, bad.stderr.split('\n')[0]]).toEqual([2, 'error: --output must be one of table, json']);
  });

  it('a misspelled command suggests the nearest one; nonsense is just unknown', () => {
    const typo = kms('tenat', 'list');
    expect([typo.status, typo.stderr.split('\n')[0]]).toEqual([2, "error: unknown command 'tenat list'; did you mean 'kms tenant list'?"]);
    const verb = kms('key', 'rotat', '2f1c0f0e-0000-4000-8000-000000000000');
    expect(verb.stderr.split('\n')[0]).toBe("error: unknown command 'key rotat 2f1c0f0e-0000-4000-8000-000000000000'; did you mean 'kms key rotate'?");
    const nonsense = kms('frobnicate', 'everything');
    expect([nonsense.status, nonsense.stderr.split('\n')[0]]).toEqual([2, "error: unknown command 'frobnicate everything'"]);
  });
});
