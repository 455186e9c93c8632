import Ajv from 'ajv';
import schema from './catalog.schema.json';
import { InputError } from '../errors';
import { isCalendarDay } from './days';

/**
 * The catalog (rollback.json) is the hand-over between `get` and `run`: what the registry held for
 * one environment when the engineer picked a date. Versioned, schema-checked both ways.
 */

export const CATALOG_FORMAT = 'rollback-catalog';
export const CATALOG_VERSION = 1;
export const CATALOG_FILE = 'rollback.json';

export interface CatalogImage {
  tag: string;
  digest: string;
  /** ISO-8601 UTC. */
  created: string;
}

export interface UndatedImage {
  tag: string;
  digest?: string;
  reason: string;
}

export interface CatalogRepository {
  /** Repository name in the registry, e.g. `shop/api`. */
  name: string;
  /** Every dated image of the environment, newest first; not cut to --keep (see README). */
  images: CatalogImage[];
  undated: UndatedImage[];
}

export interface Catalog {
  format: typeof CATALOG_FORMAT;
  version: typeof CATALOG_VERSION;
  generatedAt: string;
  /** Registry base URL, e.g. https://registry.example.com */
  registry: string;
  /** The tag suffix of the environment, e.g. `develop`. */
  environment: string;
  tagPattern?: string;
  timeZone: string;
  keep: number;
  /** The dropdown: days of the newest `keep` images of each repository, newest first. */
  offeredDates: string[];
  repositories: CatalogRepository[];
}

let validator: ReturnType<Ajv['compile']> | undefined;

/** Validate a parsed value as a catalog; `source` names it in the error (a file path). */
export function validateCatalog(value: unknown, source: string): Catalog {
  validator ??= new Ajv({ allErrors: true, strict: true }).compile(schema);
  if (!validator(value)) {
    const first = validator.errors?.[0];
    const where = first?.instancePath || '(top level)';
    throw new InputError(
      `${source} is not a valid rollback catalog: ${where} ${first?.message ?? 'is invalid'}`,
      {
        hint: 'create it with `rollback get`',
      },
    );
  }
  const catalog = value as Catalog;
  // What a schema cannot say: real days, and images in the order every consumer relies on.
  for (const day of catalog.offeredDates) {
    if (!isCalendarDay(day)) throw new InputError(`${source}: offered date ${day} is not a calendar day`);
  }
  for (const repo of catalog.repositories) {
    for (let i = 1; i < repo.images.length; i++) {
      if (Date.parse(repo.images[i - 1]!.created) < Date.parse(repo.images[i]!.created)) {
        throw new InputError(`${source}: images of ${repo.name} are not sorted newest first`);
      }
    }
  }
  return catalog;
}

export function parseCatalog(text: string, source: string): Catalog {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new InputError(`${source} is not JSON: ${(err as Error).message}`, {
      hint: 'create it with `rollback get`',
    });
  }
  return validateCatalog(value, source);
}
