#!/usr/bin/env node
// `npm start`: build if needed, migrate, load demo data into an empty database, then run the API
// and the worker side by side (in production they run as separate processes: npm run start:api /
// start:worker). If either process dies, the other is stopped and npm start exits non-zero.
const { spawn, spawnSync } = require('node:child_process');
const path = require('node:path');

require('./ensure-build')();
const root = path.join(__dirname, '..');
const prep = spawnSync(process.execPath, [path.join(root, 'dist/apps/cli/src/main.js'), 'prepare'], { stdio: 'inherit' });
if (prep.status !== 0) process.exit(prep.status ?? 1);

const children = ['api', 'worker'].map((name) => {
  const child = spawn(process.execPath, [path.join(root, `dist/apps/${name}/src/main.js`)], { stdio: 'inherit' });
  child.on('exit', (code, signal) => {
    if (stopping) return;
    console.error(`${name} exited (${signal ?? code}); stopping`);
    stop(code || 1);
  });
  return child;
});

let stopping = false;
function stop(code) {
  stopping = true;
  for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  setTimeout(() => process.exit(code), 5000).unref();
  Promise.all(children.map((c) => (c.exitCode === null ? new Promise((r) => c.on('exit', r)) : null))).then(() => process.exit(code));
}
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
const port = process.env.PORT || 3000;
console.log(`Huigong API on http://localhost:${port}  (API docs: http://localhost:${port}/docs)`);
