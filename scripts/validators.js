// The JSON Schemas the helper checks at run time, each with the ajv options it is compiled with.
// generate-validators.js turns each into code under src/generated/, so that the bundle carries the
// checks and not ajv's schema compiler (about 125 KB of the bundle, and tens of milliseconds of
// every start-up spent compiling).
const { repairedAppDefinitionSchema } = require('./marathon-app-schema');

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
  {
    // The Marathon emulator's check of an app definition: src/sandbox/marathon/validate.ts.
    file: 'src/generated/marathon-app-validator.js',
    schema: repairedAppDefinitionSchema(),
    options: {
      // Every violation, as Marathon lists them all. Not `verbose`: it would copy the schema into each
      // error's code (a third more of it); the one datum needed, a type error's value, is read from the
      // definition (validate.ts, playTypeError).
      allErrors: true,
      // Marathon ignores keys it does not know (issue #1631, forward compatibility), at every level; the
      // schema says `additionalProperties: false`. Removing them is exactly "ignored".
      removeAdditional: true,
      strict: true,
      // `not: {allOf: [{required: [cmd]}, {required: [args]}]}` is the draft-04 idiom for "not both".
      strictRequired: false,
      // constraints are [field, operator] or [field, operator, value]: a tuple with an optional third item.
      strictTuples: false,
      // A definition used in several places becomes one function, not a copy of its code at each.
      inlineRefs: false,
    },
    // Marathon's own `date-time` (an offset required), required by the generated code from there.
    formats: { module: '../sandbox/marathon/formats', names: ['date-time'] },
  },
];
