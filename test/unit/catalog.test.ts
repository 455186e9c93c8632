import { InputError } from '../../src/errors';
import { parseCatalog } from '../../src/plan/catalog';

const valid = {
  format: 'rollback-catalog',
  version: 1,
  generatedAt: '2026-11-28T09:00:00Z',
  registry: 'https://registry.example.com',
  environment: 'develop',
  timeZone: 'Europe/Berlin',
  keep: 10,
  offeredDates: ['2026-11-27'],
  repositories: [
    {
      name: 'shop/api',
      images: [{ tag: '1.4.3-develop', digest: `sha256:${'a'.repeat(64)}`, created: '2026-11-27T17:30:00Z' }],
      undated: [],
    },
  ],
};

/** The one line main() would print for a catalog, or '(valid)'. */
function lineFor(value: unknown): string {
  try {
    parseCatalog(typeof value === 'string' ? value : JSON.stringify(value), 'rollback.json');
    return '(valid)';
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    const e = err as InputError;
    return `${e.message}${e.hint ? ` (${e.hint})` : ''}`;
  }
}

const withRepo = (patch: Record<string, unknown>) => ({
  ...valid,
  repositories: [{ ...valid.repositories[0], ...patch }],
});

describe('rollback.json as run reads it', () => {
  it('accepts what get writes', () => {
    expect(lineFor(valid)).toBe('(valid)');
  });

  it.each<[string, unknown, string | RegExp]>([
    ['truncated', JSON.stringify(valid).slice(0, 120), /^rollback\.json is not JSON: /],
    [
      'of another version',
      { ...valid, version: 2 },
      'rollback.json is a rollback catalog of version "2"; this rollback reads version 1 (create it again with `rollback get` of this version)',
    ],
    [
      'of another format',
      { ...valid, format: 'something-else' },
      /^rollback\.json is not a valid rollback catalog: \/format/,
    ],
    ['keep as a string', { ...valid, keep: '10' }, /\/keep must be integer/],
    [
      'a date as a number',
      withRepo({ images: [{ ...valid.repositories[0]!.images[0], created: 1764264600 }] }),
      /\/repositories\/0\/images\/0\/created must be string/,
    ],
    ['no repository', { ...valid, repositories: [] }, /\/repositories must NOT have fewer than 1 items/],
    [
      'an environment with shell characters',
      { ...valid, environment: 'dev; rm -rf /' },
      /\/environment must match pattern/,
    ],
    [
      'an unknown time zone',
      { ...valid, timeZone: 'Mars/Olympus_Mons' },
      /^rollback\.json: time zone "Mars\/Olympus_Mons" is not one this Node\.js knows/,
    ],
    [
      'a registry that is not http(s)',
      { ...valid, registry: 'http://' },
      /^rollback\.json: registry "http:\/\/" is not a URL/,
    ],
    [
      'the same repository twice',
      { ...valid, repositories: [valid.repositories[0], valid.repositories[0]] },
      'rollback.json lists repository shop/api twice',
    ],
    [
      'the same tag twice',
      withRepo({ undated: [{ tag: '1.4.3-develop', reason: 'x' }] }),
      'rollback.json lists shop/api:1.4.3-develop twice',
    ],
  ])('refuses one %s, saying what is wrong', (_what, value, message) => {
    const line = lineFor(value);
    if (typeof message === 'string') expect(line).toBe(message);
    else expect(line).toMatch(message);
  });

  it('refuses a registry URL with credentials without repeating them', () => {
    const line = lineFor({ ...valid, registry: 'https://ci:hunter2-pw@registry.example.com' });
    expect(line).toMatch(/^rollback\.json: registry must not contain credentials/);
    expect(line).not.toContain('hunter2');
  });
});
