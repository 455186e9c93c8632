// Written by hand: the type of journal-validator.js, which scripts/generate-validators.js generates.
import type { ValidateFunction } from 'ajv';

/** Checks a value against src/journal/journal.schema.json; on `false`, `.errors` says why. */
declare const validateJournalSchema: ValidateFunction;
export default validateJournalSchema;
