#!/usr/bin/env node
/**
 * Runs the built gateway with its data directory on a small tmpfs of its own, to see what it does
 * when the disk fills. Started under `unshare -rm` (a user and mount namespace: no root needed,
 * nothing mounted outside), so the tmpfs is visible only here; the test drives it with JSON
 * lines on stdin and reads the answers, tagged `@small-disk `, from stdout:
 *   {"do":"fill"}  writes a filler file until the disk is full
 *   {"do":"free"}  removes it
 *   {"do":"cli","args":[...]}  runs the admin CLI on the data directory
 * Usage: small-disk.js <dir> <size-MiB> <main.js> <cli.js>; the gateway's own env is inherited.
 */
const { execFileSync, spawn, spawnSync } = require('node:child_process');
const { rmSync, openSync, writeSync, closeSync } = require('node:fs');
const { join } = require('node:path');
const readline = require('node:readline');

const [dir, sizeMib, main, cliPath] = process.argv.slice(2);
execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMib}m`, 'tmpfs', dir]);
const env = { ...process.env, KMS_DATA_DIR: dir };
const gateway = spawn(process.execPath, [main], { env, stdio: ['ignore', 'inherit', 'inherit'] });
gateway.once('exit', (code) => {
  answer({ gatewayExited: code });
  process.exit(0);
});
const filler = join(dir, 'filler');
const answer = (o) => process.stdout.write(`@small-disk ${JSON.stringify(o)}\n`);

const actions = {
  fill: () => {
    const fd = openSync(filler, 'w');
    const block = Buffer.alloc(65536);
    let written = 0;
    try {
      for (;;) written += writeSync(fd, block);
    } catch (err) {
      if (err.code !== 'ENOSPC') throw err;
    } finally {
      closeSync(fd);
    }
    // The last partial blocks: the disk is full to the byte.
    const fd2 = openSync(filler, 'a');
    try {
      for (;;) written += writeSync(fd2, Buffer.alloc(512));
    } catch (err) {
      if (err.code !== 'ENOSPC') throw err;
    } finally {
      closeSync(fd2);
    }
    return { written };
  },
  free: () => {
    rmSync(filler, { force: true });
    return {};
  },
  cli: (args) => {
    const r = spawnSync(process.execPath, [cliPath, ...args], { env, encoding: 'utf8' });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
  },
};

readline.createInterface({ input: process.stdin }).on('line', (line) => {
  const cmd = JSON.parse(line);
  try {
    answer({ id: cmd.id, ...actions[cmd.do](cmd.args) });
  } catch (err) {
    answer({ id: cmd.id, error: String(err) });
  }
});
process.stdin.once('end', () => gateway.kill('SIGTERM'));
