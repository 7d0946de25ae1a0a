// Builds once when dist/ is missing or older than the sources, so `npm start` and `npm run cli`
// work straight after a clone.
const { execSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const root = path.join(__dirname, '..');
const marker = path.join(root, 'dist/apps/api/src/main.js');

function newestSource(dir) {
  let newest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith('.ts')) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

module.exports = function ensureBuild() {
  const built = fs.existsSync(marker) ? fs.statSync(marker).mtimeMs : 0;
  const src = Math.max(...['apps', 'libs', 'migrations', 'bench', 'tools'].filter((d) => fs.existsSync(path.join(root, d))).map((d) => newestSource(path.join(root, d))));
  if (built >= src) return;
  console.log('Building (npm run build)...');
  execSync('npm run build', { cwd: root, stdio: 'inherit' });
};
