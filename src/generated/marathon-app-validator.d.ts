// Written by hand: the type of marathon-app-validator.js, which scripts/generate-validators.js generates.
import type { ValidateFunction } from 'ajv';

/**
 * Checks an app definition against Marathon's AppDefinition schema as scripts/marathon-app-schema.js
 * repairs it. Removes the keys the schema does not know from the value it checks; on `false`,
 * `.errors` says why, each error with the data it is about.
 */
declare const validateAppDefinitionSchema: ValidateFunction;
export default validateAppDefinitionSchema;
