import validateCatalogSchema from '../generated/catalog-validator';
import { InputError } from '../errors';
import { quote } from '../util/quote';
import { parseServiceUrl } from '../util/service-url';
import { assertTimeZone, isCalendarDay } from './days';

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

/** Validate a parsed value as a catalog; `source` names it in the error (a file path). */
export function validateCatalog(value: unknown, source: string): Catalog {
  const { format, version } = (value ?? {}) as { format?: unknown; version?: unknown };
  if (format === CATALOG_FORMAT && version !== CATALOG_VERSION) {
    // Said plainly: "must be equal to constant" does not tell anyone to rerun `get`.
    throw new InputError(
      `${source} is a rollback catalog of version ${quote(version)}; this rollback reads version ${CATALOG_VERSION}`,
      { hint: 'create it again with `rollback get` of this version' },
    );
  }
  // Compiled from catalog.schema.json at build time (scripts/validators.js).
  if (!validateCatalogSchema(value)) {
    const first = validateCatalogSchema.errors?.[0];
    const where = first?.instancePath || '(top level)';
    throw new InputError(
      `${source} is not a valid rollback catalog: ${where} ${first?.message ?? 'is invalid'}`,
      {
        hint: 'create it with `rollback get`',
      },
    );
  }
  const catalog = value as Catalog;
  // What a schema cannot say: a usable registry URL and time zone, real days, one entry per
  // repository and tag, and images in the order every consumer relies on.
  parseServiceUrl(catalog.registry, {
    name: `${source}: registry`,
    example: 'https://registry.example.com',
    credentialsHint:
      'credentials come from REGISTRY_USER and REGISTRY_PASSWORD; create it again with `rollback get`',
    error: InputError,
  });
  try {
    assertTimeZone(catalog.timeZone);
  } catch {
    throw new InputError(`${source}: time zone ${quote(catalog.timeZone)} is not one this Node.js knows`, {
      hint: 'create it again with `rollback get --tz <zone>`',
    });
  }
  const names = new Set<string>();
  for (const repo of catalog.repositories) {
    if (names.has(repo.name)) throw new InputError(`${source} lists repository ${repo.name} twice`);
    names.add(repo.name);
    const tags = new Set<string>();
    for (const image of [...repo.images, ...repo.undated]) {
      if (tags.has(image.tag)) throw new InputError(`${source} lists ${repo.name}:${image.tag} twice`);
      tags.add(image.tag);
    }
  }
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
