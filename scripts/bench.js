// Bundles scripts/bench/main.ts (TypeScript, reusing the test support) and runs it.
const esbuild = require('esbuild');
const { spawnSync } = require('node:child_process');
const os = require('node:os');
const path = require('node:path');
const fs = require('node:fs');

const out = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'rollback-bench-')), 'bench.cjs');
esbuild.buildSync({
  entryPoints: [path.join(__dirname, 'bench', 'main.ts')],
  outfile: out,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  logLevel: 'warning',
});
const result = spawnSync(process.execPath, [out, ...process.argv.slice(2)], {
  stdio: 'inherit',
  env: { ...process.env, ROLLBACK_ROOT: path.join(__dirname, '..') },
});
process.exitCode = result.status ?? 1;
