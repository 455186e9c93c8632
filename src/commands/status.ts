import path from 'node:path';
import type { CommandContext } from './context';
import { CATALOG_FILE } from '../plan/catalog';
import { formatInstant } from '../plan/point';
import { environmentName, table } from '../plan/rollback-report';
import { displayVersion } from '../marathon/image';
import { readCatalogFile } from '../run/registry-point';
import { connectTarget, scopeOf, targetSpecOf, type TargetFlags } from '../targets/connect';
import { choiceLines, environmentStatus, type EnvironmentStatus } from '../status/status';
import { createLogger } from '../util/log';
import { redact } from '../util/secrets';

export interface StatusOptions extends TargetFlags {
  dump?: string;
  json?: boolean;
  choices?: boolean;
  insecure?: boolean;
  caFile?: string;
  quiet?: boolean;
}

/**
 * `status`: where the environment is now, read-only. The catalog (rollback.json) says what each
 * image is; the target says what runs. With --choices, the lines Jenkins offers in its drop-down.
 */
export async function status(raw: Record<string, unknown>, ctx: CommandContext): Promise<number> {
  const options = raw as unknown as StatusOptions;
  const target = targetSpecOf(options);
  const group = scopeOf(target, options.group);
  const logger = createLogger({ quiet: options.quiet, stream: ctx.stderr });
  const catalogFile = path.join(path.resolve(ctx.cwd, options.dump ?? '.'), CATALOG_FILE);
  const catalog = await readCatalogFile(catalogFile);
  const connection = await connectTarget(target, ctx, logger, {
    scope: group,
    tls: { insecure: options.insecure, caFile: options.caFile },
    timeoutMs: 60_000,
  });
  const what = connection.kind === 'kubernetes' ? 'the workloads of namespace' : 'apps under';
  logger.info(`${connection.where} (${connection.credentials}): listing ${what} ${group}`);
  const workloads = await connection.list();
  const apps = workloads.map((w) => ({ id: w.id, ...(w.image ? { image: w.image } : {}) }));
  const report = environmentStatus(catalog, apps, group);
  if (report.unknown.length > 0)
    logger.warn(
      `${report.unknown.length} app(s) run an image rollback.json does not know: ${report.unknown.join(', ')}`,
    );
  const readAt = formatInstant(catalog.generatedAt, catalog.timeZone);
  if (options.choices) {
    ctx.stdout.write(
      choiceLines(report.days)
        .map((l) => `${l}\n`)
        .join(''),
    );
    return 0;
  }
  if (options.json) {
    ctx.stdout.write(
      redact(
        statusJson(report, {
          group,
          where: connection.where,
          catalogFile,
          readAt: catalog.generatedAt,
          environment: catalog.environment,
        }),
      ),
    );
    return 0;
  }
  ctx.stdout.write(
    redact(
      statusText(
        report,
        group,
        connection.where,
        `${catalog.environment} images, read ${readAt}`,
        catalog.timeZone,
      ),
    ),
  );
  return 0;
}

function statusText(
  report: EnvironmentStatus,
  group: string,
  where: string,
  catalog: string,
  tz: string,
): string {
  const built = (image?: { created: string }) =>
    image ? formatInstant(image.created, tz) : '(not in rollback.json)';
  const rows = report.apps.map((a) => [
    a.service,
    a.id,
    displayVersion(a.image),
    built(a.built),
    a.newest ? `${a.newest.tag}${a.built?.digest === a.newest.digest ? ' (this one)' : ''}` : '-',
  ]);
  const sits = report.sitsOn.length
    ? `It sits exactly on ${report.sitsOn[0]}${report.sitsOn.length > 1 ? ` (and ${report.sitsOn.slice(1).join(', ')}: nothing changed in between)` : ''}: a rollback to that day changes nothing.`
    : 'It sits on no offered day: a rollback to any of them changes something.';
  const days = report.days.map(
    (d) => `  ${d.date}  ${d.changes.length ? `changes ${d.changes.join(', ')}` : 'changes nothing'}`,
  );
  return [
    `${environmentName(group)} in ${where}; catalog: ${catalog}`,
    table(['SERVICE', 'APP', 'RUNS', 'BUILT', 'NEWEST'], rows).trimEnd(),
    ...(report.unknown.length ? [`Not in rollback.json: ${report.unknown.join(', ')}`] : []),
    sits,
    'A rollback to each offered day:',
    ...days,
    '',
  ].join('\n');
}

function statusJson(
  report: EnvironmentStatus,
  meta: { group: string; where: string; catalogFile: string; readAt: string; environment: string },
): string {
  return (
    JSON.stringify(
      {
        ok: true,
        command: 'status',
        group: meta.group,
        target: meta.where,
        catalog: { file: meta.catalogFile, readAt: meta.readAt, environment: meta.environment },
        apps: report.apps.map((a) => ({
          id: a.id,
          service: a.service,
          image: a.image,
          built: a.built?.created ?? null,
          known: a.built !== undefined,
          newest: a.newest ? { tag: a.newest.tag, created: a.newest.created } : null,
          onNewest: a.built !== undefined && a.built.digest === a.newest?.digest,
        })),
        unknown: report.unknown,
        sitsOn: report.sitsOn,
        days: report.days,
      },
      null,
      2,
    ) + '\n'
  );
}
