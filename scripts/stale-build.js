// `npm start` builds only when the sources changed since the last build (`npm install` already built):
// `node scripts/stale-build.js` runs `npm run build` when dist/ is missing or older than a source;
// `--stamp` (the end of `npm run build`) records that dist/ is current.
const { spawnSync } = require('node:child_process');
const { existsSync, readdirSync, statSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const stamp = join(root, 'dist', '.build-stamp');
const inputs = ['src', 'client/src', 'migrations', 'bench', 'scripts', 'ormconfig.ts', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];

/** The newest modification time under a file or directory. */
function newest(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return readdirSync(path).reduce((latest, name) => Math.max(latest, newest(join(path, name))), stat.mtimeMs);
}

if (process.argv.includes('--stamp')) {
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
} else {
  const built = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
  const changed = inputs.map((p) => join(root, p)).filter(existsSync).some((p) => newest(p) > built);
  if (changed) {
    console.log(built ? 'sources changed since the last build: building' : 'not built yet: building');
    const run = spawnSync(process.platform === 'win32' ? 'npm.cmd' : 'npm', ['run', 'build'], { cwd: root, stdio: 'inherit' });
    process.exit(run.status ?? 1);
  }
}
