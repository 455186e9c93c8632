import { readFileSync } from 'node:fs';
import path from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { generateValidators } = require('../../scripts/generate-validators') as {
  generateValidators(): Array<{ file: string; text: string }>;
};
const root = path.join(__dirname, '..', '..');

it.each(generateValidators().map(({ file, text }) => [file, text]))(
  'the committed %s is exactly what its schema produces',
  (file, fresh) => {
    const committed = readFileSync(path.join(root, file), 'utf8');
    // A boolean, not toEqual: a diff of generated code helps nobody.
    if (fresh !== committed) {
      throw new Error(`${file} is stale: run \`npm run build\` and commit the result`);
    }
    expect(fresh).toBe(committed);
  },
);
