import { parseChallenges } from '../../src/registry/challenge';

describe('WWW-Authenticate', () => {
  it('reads a distribution Bearer challenge with its scope', () => {
    expect(
      parseChallenges(
        'Bearer realm="http://127.0.0.1:5001/token",service="test-registry",scope="repository:test/app:pull"',
      ),
    ).toEqual([
      {
        scheme: 'bearer',
        params: {
          realm: 'http://127.0.0.1:5001/token',
          service: 'test-registry',
          scope: 'repository:test/app:pull',
        },
      },
    ]);
  });

  it('reads several challenges in one header (Codeberg) and in repeated headers', () => {
    const both = [
      {
        scheme: 'bearer',
        params: { realm: 'https://codeberg.org/v2/token', service: 'container_registry', scope: '*' },
      },
      { scheme: 'basic', params: { realm: 'Gitea Package API' } },
    ];
    expect(
      parseChallenges(
        'Bearer realm="https://codeberg.org/v2/token",service="container_registry",scope="*",Basic realm="Gitea Package API"',
      ),
    ).toEqual(both);
    expect(
      parseChallenges([
        'Bearer realm="https://codeberg.org/v2/token", service="container_registry", scope="*"',
        'Basic realm="Gitea Package API"',
      ]),
    ).toEqual(both);
  });

  it('keeps commas inside quotes, unescapes, and accepts unquoted values and any case', () => {
    expect(
      parseChallenges(
        'BASIC Realm=plain, Bearer realm="https://a.test/t",scope="repository:a:pull,push",x="q\\"uote"',
      ),
    ).toEqual([
      { scheme: 'basic', params: { realm: 'plain' } },
      {
        scheme: 'bearer',
        params: { realm: 'https://a.test/t', scope: 'repository:a:pull,push', x: 'q"uote' },
      },
    ]);
  });

  it('reads an empty or missing header as no challenge', () => {
    expect(parseChallenges(undefined)).toEqual([]);
    expect(parseChallenges('')).toEqual([]);
    expect(parseChallenges('Basic')).toEqual([{ scheme: 'basic', params: {} }]);
  });
});
