#!/usr/bin/env node
// `npm run bench -- <name> [args]`: builds if needed, then runs dist/bench/<name>.js.
// Benchmarks are never part of `npm test`; each prints a table, the command to rerun it, and a
// final JSON line with its figures (see bench/README.md).
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const [name, ...args] = process.argv.slice(2);
const root = path.join(__dirname, '..');
const available = fs.existsSync(path.join(root, 'bench'))
  ? fs.readdirSync(path.join(root, 'bench')).filter((f) => f.endsWith('.ts') && !f.startsWith('_')).map((f) => f.replace(/\.ts$/, ''))
  : [];
if (!name || !available.includes(name)) {
  console.error(`usage: npm run bench -- <name> [args]\navailable: ${available.join(', ') || '(none yet)'}`);
  process.exit(2);
}
require('./ensure-build')();
const r = spawnSync(process.execPath, [path.join(root, 'dist/bench', `${name}.js`), ...args], { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);
