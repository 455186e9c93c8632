import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import path from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const options = require('../../scripts/esbuild-options');
const root = path.join(__dirname, '..', '..');

it('the committed bundle is exactly what the sources produce', async () => {
  const result = await build({ ...options, absWorkingDir: root, write: false });
  const fresh = Buffer.from(result.outputFiles![0]!.contents).toString('utf8');
  const committed = readFileSync(path.join(root, options.outfile), 'utf8');
  // A boolean, not toEqual: a diff of a minified bundle helps nobody.
  if (fresh !== committed) {
    throw new Error(`${options.outfile} is stale: run \`npm run build\` and commit the result`);
  }
  expect(fresh).toBe(committed);
});
