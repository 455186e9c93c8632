// The JSON Schemas the helper checks at run time, each with the ajv options it is compiled with.
// generate-validators.js turns each into code under src/generated/, so that the bundle carries the
// checks and not ajv's schema compiler (about 125 KB of the bundle, and tens of milliseconds of
// every start-up spent compiling).

// The required properties of an object checked in one loop over the schema's list, not one block of
// code each: the same errors in the same order, in less code.
const REQUIRED_IN_A_LOOP = { loopRequired: 1 };

module.exports = [
  {
    // The catalog (rollback.json) that `get` writes and `run` reads: src/plan/catalog.ts.
    file: 'src/generated/catalog-validator.js',
    schema: require('../src/plan/catalog.schema.json'),
    options: { allErrors: true, strict: true, ...REQUIRED_IN_A_LOOP },
  },
  {
    // A run's or an undo's journal, version 2 (version 1 is upgraded first): src/journal/format.ts.
    file: 'src/generated/journal-validator.js',
    schema: require('../src/journal/journal.schema.json'),
    options: { allErrors: true, strict: true, ...REQUIRED_IN_A_LOOP },
  },
];
