import { InputError, RollbackFailedError } from '../errors';
import { createLimiter } from '../http/limiter';
import { parseImageReference } from '../marathon/image';
import type { RollbackPlan } from './rollback-plan';

/**
 * Checks made before the first write, so a rollback that cannot complete never starts: every
 * target image is still in the registry (a tag deleted or re-pushed since `get` would deploy
 * nothing or the wrong image), and no app is locked by a deployment nobody asked us to cancel.
 */

export interface ImageChecker {
  /** The registry it asks, when it is not the one rollback.json was read from (for messages). */
  name?: string;
  /** The digest `reference` (a tag or a digest) of `repository` points to, undefined when absent. */
  exists(repository: string, reference: string): Promise<string | undefined>;
}

export interface TargetCheck {
  /** The registry host the apps pull from, as their images name it (undefined: Docker Hub). */
  host?: string;
  repository: string;
  /** The tag, or the digest of an image deployed by digest alone. */
  tag: string;
  /** The digest the catalog (or the image reference itself) names; none for a history target by tag. */
  digest?: string;
  /** The apps that pull it from that host (for messages). */
  apps: string[];
}

/**
 * One check per registry host the changing apps pull from: an app that pulls the repository from
 * another host (a mirror) gets its image there, so it must be there.
 */
export function targetsToCheck(plan: RollbackPlan): TargetCheck[] {
  const checks = new Map<string, TargetCheck>();
  for (const s of plan.services) {
    for (const a of s.apps.filter((app) => app.action === 'deploy')) {
      const ref = parseImageReference(a.to);
      if (!ref) continue;
      // A catalog target is the service's; a target from history is each app's own image.
      const tag = s.target?.tag ?? ref.tag ?? ref.digest;
      const digest = s.target?.digest ?? ref.digest;
      if (!tag) continue;
      const key = `${ref.domain ?? ''} ${s.repository} ${tag}`;
      if (!checks.has(key))
        checks.set(key, {
          ...(ref.domain ? { host: ref.domain } : {}),
          repository: s.repository,
          tag,
          ...(digest ? { digest } : {}),
          apps: [],
        });
      checks.get(key)!.apps.push(a.id);
    }
  }
  return [...checks.values()];
}

/**
 * HEAD every target tag. A tag that moved since `get` is refused unless the images are pinned by
 * digest (then the recorded digest must still be there), because deploying the tag would deploy
 * an image of another day. Returns warnings to print.
 */
export async function checkTargetImages(
  plan: RollbackPlan,
  checkers: ImageChecker | ((host: string | undefined) => ImageChecker),
  concurrency = 4,
): Promise<string[]> {
  const limit = createLimiter(concurrency);
  const warnings: string[] = [];
  const problems: string[] = [];
  let elsewhere = false;
  const checkerFor = typeof checkers === 'function' ? checkers : () => checkers;
  await Promise.all(
    targetsToCheck(plan).map((t) =>
      limit(async () => {
        const checker = checkerFor(t.host);
        const digest = await checker.exists(t.repository, t.tag);
        const registry = checker.name ? `the registry ${checker.name}` : 'the registry';
        if (digest === undefined && checker.name) {
          // Another host (a mirror) may never have had it: the apps would pull what is not there.
          elsewhere = true;
          problems.push(
            `${t.repository}:${t.tag} is not in ${registry}, which ${t.apps.join(', ')} ${t.apps.length === 1 ? 'pulls' : 'pull'} from`,
          );
        } else if (digest === undefined) {
          problems.push(`${t.repository}:${t.tag} is no longer in ${registry}`);
        } else if (t.digest !== undefined && digest !== t.digest) {
          if (!plan.pinDigest) {
            problems.push(
              `${t.repository}:${t.tag} in ${registry} is not the image rollback.json recorded (re-pushed since? now ${digest})`,
            );
          } else if ((await checker.exists(t.repository, t.digest!)) === undefined) {
            problems.push(
              `${t.repository}@${t.digest} (the image of ${t.tag} on that day) is no longer in ${registry}`,
            );
          } else {
            warnings.push(
              `${t.repository}:${t.tag} was re-pushed; deploying the recorded digest ${t.digest}`,
            );
          }
        }
      }),
    ),
  );
  if (problems.length > 0) {
    problems.sort();
    throw new InputError(`${problems.join('; ')}; nothing was changed`, {
      hint: elsewhere
        ? 'put the image on the registry those apps pull from (sync the mirror), or point them at the registry rollback.json was read from'
        : plan.pinDigest
          ? 'run `rollback get` again and pick a date whose images still exist'
          : 'run `rollback get` again, or pass --pin-digest to deploy the recorded digests',
    });
  }
  return warnings.sort();
}

export interface LockedApp {
  id: string;
  deployments: string[];
}

/** Apps to change that a running deployment holds: an error unless --force was given. */
export function assertNotLocked(locked: readonly LockedApp[], force: boolean): string[] {
  if (locked.length === 0) return [];
  const list = locked.map((a) => `${a.id} (deployment ${a.deployments.join(', ')})`).join(', ');
  if (!force)
    throw new RollbackFailedError(`locked by running deployments: ${list}; nothing was changed`, {
      hint: 'wait for them to finish, or pass --force to cancel them (Marathon force=true)',
    });
  return [`--force: cancelling the running deployments of ${list}`];
}
