const esbuild = require('esbuild');
const fs = require('node:fs');
const options = require('./esbuild-options');

esbuild
  .build(options)
  .then(() => fs.chmodSync(options.outfile, 0o755))
  .catch(() => process.exit(1));
