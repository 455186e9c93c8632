import { promises as fs } from 'node:fs';
import { InputError } from '../errors';
import { parseCatalog, type Catalog } from '../plan/catalog';
import { checkPoint } from '../plan/guards';
import type { RollbackPoint } from '../plan/point';
import { selectImages } from '../plan/rollback-plan';
import type { Logger } from '../util/log';
import type { RunSettings } from './settings';

/** Resolve the point from the registry's catalog: read rollback.json, refuse impossible points. */

export async function readCatalogFile(file: string): Promise<Catalog> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new InputError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? 'error'}`, {
      hint: 'create it with `rollback get --dump <dir>` and pass the same --dump',
    });
  }
  return parseCatalog(text, file);
}

export async function resolveRegistryPoint(
  settings: Pick<RunSettings, 'when' | 'files' | 'allowMissing'>,
  logger: Logger,
  now: Date,
): Promise<{ catalog: Catalog; point: RollbackPoint }> {
  const catalog = await readCatalogFile(settings.files.catalog);
  const asked: RollbackPoint =
    settings.when.kind === 'day'
      ? { kind: 'day', date: settings.when.date, timeZone: catalog.timeZone }
      : { kind: 'instant', at: settings.when.at, timeZone: catalog.timeZone };
  const { point, warnings } = checkPoint(asked, catalog, now);
  for (const warning of warnings) logger.warn(warning);
  // Fail on a point with missing images before touching the network.
  selectImages(catalog, point, { allowMissing: settings.allowMissing });
  return { catalog, point };
}
