import { displayVersion, parseImageReference } from '../marathon/image';
import { formatInstant } from '../plan/point';
import { environmentLabel, table } from '../plan/rollback-report';
import type { AppHistory } from './read';
import type { AppChange, Release } from './timeline';

/** What `history` prints: the releases newest first, and how far back each app's history reaches. Pure. */

export interface HistoryView {
  group: string;
  where: string;
  windowMs: number;
  /** Releases before this are left out (--since). */
  since?: string;
  releases: Release[];
  histories: AppHistory[];
}

/** `api` for an app that runs shop/api, else the last segment of the app id. */
function serviceOf(change: Pick<AppChange, 'appId' | 'to' | 'from'>): string {
  const image = change.to ?? change.from;
  const ref = image ? parseImageReference(image) : undefined;
  return ref
    ? ref.path.slice(ref.path.lastIndexOf('/') + 1)
    : change.appId.slice(change.appId.lastIndexOf('/') + 1);
}

function changeText(c: AppChange): string {
  if (c.kind === 'config') return `${serviceOf(c)} (config: ${c.fields.join(', ')})`;
  if (!c.from) return `${serviceOf(c)} created on ${c.to ? displayVersion(c.to) : 'no image'}`;
  return `${serviceOf(c)} ${displayVersion(c.from)} → ${c.to ? displayVersion(c.to) : '?'}`;
}

const utc = (at: string) => formatInstant(at, 'UTC');

/**
 * Marathon dropped the versions that would reach back to --since. An app created since has its
 * whole history: it did not exist before, nothing is missing.
 */
function stopsAfterSince(h: AppHistory, since: string | undefined): boolean {
  const oldest = h.versions[0];
  return since !== undefined && !h.complete && !!oldest && Date.parse(oldest.version) > Date.parse(since);
}

/**
 * The drop-down's lines: `2026-12-01 14:32:08 UTC · api, billing`, configuration-only changes
 * marked; the instant maps back to `--at 2026-12-01T14:32:08Z`.
 */
export function releaseChoices(releases: readonly Release[]): string[] {
  return releases.map(
    (r) =>
      `${utc(r.at)} · ${[...new Set(r.changes.map((c) => `${serviceOf(c)}${c.kind === 'config' ? ' (config)' : ''}`))].join(', ')}`,
  );
}

export function historyText(view: HistoryView): string {
  const minutes = Math.round(view.windowMs / 60_000);
  const rows = view.releases.map((r) => [utc(r.at), r.changes.map(changeText).join(', ')]);
  const reach = view.histories.map((h) => {
    const oldest = h.versions[0];
    const kept = `${h.versions.length} version(s)`;
    if (!oldest) return [h.appId, 'no history', kept];
    const stops = stopsAfterSince(h, view.since) ? ' (starts after --since)' : '';
    return [
      h.appId,
      `${h.complete ? 'created' : 'back to'} ${utc(oldest.version)}${stops}`,
      h.complete ? kept : `${kept}, older ones dropped by Marathon`,
    ];
  });
  const newest = view.releases[0];
  return [
    `Releases of ${environmentLabel(view.group)} (${view.group}) in ${view.where}, newest first (changes within ${minutes} min grouped; scales and restarts left out)${view.since ? `, since ${utc(view.since)}` : ''}:`,
    view.releases.length ? table(['RELEASE POINT', 'CHANGES'], rows).trimEnd() : '(none)',
    '',
    'How far back each app’s history reaches:',
    table(['APP', 'HISTORY', 'KEPT'], reach).trimEnd(),
    ...(newest
      ? [
          '',
          `Roll back to a release point with: rollback run --at ${newest.at} --source marathon --group ${view.group} ...`,
        ]
      : []),
    '',
  ].join('\n');
}

export function historyJson(view: HistoryView): string {
  return (
    JSON.stringify(
      {
        ok: true,
        command: 'history',
        group: view.group,
        windowSeconds: view.windowMs / 1000,
        ...(view.since ? { since: view.since } : {}),
        releases: view.releases.map((r) => ({
          at: r.at,
          configOnly: r.configOnly,
          changes: r.changes.map((c) => ({
            app: c.appId,
            service: serviceOf(c),
            at: c.at,
            kind: c.kind,
            ...(c.from ? { from: c.from } : {}),
            ...(c.to ? { to: c.to } : {}),
            ...(c.fields.length ? { fields: c.fields } : {}),
          })),
        })),
        apps: view.histories.map((h) => ({
          id: h.appId,
          versions: h.versions.length,
          oldest: h.versions[0]?.version ?? null,
          complete: h.complete,
          ...(stopsAfterSince(h, view.since) ? { stopsAfterSince: true } : {}),
        })),
      },
      null,
      2,
    ) + '\n'
  );
}
