// Written by hand: the type of catalog-validator.js, which scripts/generate-validators.js generates.
import type { ValidateFunction } from 'ajv';

/** Checks a value against src/plan/catalog.schema.json; on `false`, `.errors` says why. */
declare const validateCatalogSchema: ValidateFunction;
export default validateCatalogSchema;
