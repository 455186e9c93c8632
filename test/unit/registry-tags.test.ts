import {
  assertEnvironment,
  cleanTagPage,
  nextPageUrl,
  parseTagPage,
  tagFilter,
} from '../../src/registry/tags';
import { BadAnswerError, UsageError } from '../../src/errors';

describe('the default tag filter: ENV preceded by -, _ or .', () => {
  const develop = tagFilter('develop');
  it.each([
    ['1.4.2-develop', true],
    ['1.4.2_develop', true],
    ['1.4.2.develop', true],
    ['1.10.0-develop', true],
    ['release-2026-11-20-develop', true],
    ['1.4.2-redevelop', false],
    ['1.4.2develop', false],
    ['develop', false],
    ['1.4.2-develop-arm', false],
    ['1.4.2-Develop', false],
    ['1.4.2-stage', false],
    ['latest', false],
    ['sha256-0123abcd.sig', false],
  ])('%s -> %s', (tag, expected) => {
    expect(develop(tag)).toBe(expected);
  });

  it('takes the environment literally, not as a regular expression', () => {
    const env = tagFilter('qa.1');
    expect(env('1.0.0-qa.1')).toBe(true);
    expect(env('1.0.0-qax1')).toBe(false);
  });
});

describe('--tag-pattern', () => {
  it.each([
    ['^release-{env}-\\d+$', 'release-prod-12', true],
    ['^release-{env}-\\d+$', 'release-prod-12-hotfix', false],
    // The pattern must match the whole tag, anchored or not.
    ['{env}-[0-9.]+', 'prod-1.2.3', true],
    ['{env}-[0-9.]+', 'preprod-1.2.3', false],
    ['[0-9.]+-{env}|{env}-latest', 'prod-latest', true],
  ])('%s on %s -> %s', (pattern, tag, expected) => {
    expect(tagFilter('prod', pattern)(tag)).toBe(expected);
  });

  it('says what it matches with the environment filled in', () => {
    expect(tagFilter('prod', '^release-{env}-\\d+$').description).toBe('tags matching ^release-prod-\\d+$');
    expect(tagFilter('develop').description).toBe('tags ending in -develop, _develop or .develop');
  });

  it('rejects an invalid regular expression as a usage error naming the flag', () => {
    expect(() => tagFilter('prod', '([0-9]+-{env}')).toThrow(UsageError);
    expect(() => tagFilter('prod', '([0-9]+-{env}')).toThrow(
      /--tag-pattern "\(\[0-9\]\+-\{env\}" is not a valid regular expression/,
    );
  });
});

describe('--env', () => {
  it.each(['develop', 'stage-2', 'qa.1', 'PROD'])('accepts %s', (env) =>
    expect(assertEnvironment(env)).toBe(env),
  );
  it.each(['', 'dev elop', 'dev/elop', '-develop', 'a:b'])('rejects "%s"', (env) => {
    expect(() => assertEnvironment(env)).toThrow(UsageError);
  });
});

describe('cleaning a tag page', () => {
  it('reads null as no tags and drops nulls, numbers, digests and non-tags', () => {
    expect(cleanTagPage(null)).toEqual([]);
    expect(cleanTagPage(undefined)).toEqual([]);
    expect(
      cleanTagPage(['1.0.0-develop', null, 7, `sha256:${'ab'.repeat(32)}`, 'has space', '.hidden', 'latest']),
    ).toEqual(['1.0.0-develop', 'latest']);
  });
});

const page = (text: string) => parseTagPage(Buffer.from(text), 'https://reg.test', 'shop/api');

describe('reading a tags/list answer', () => {
  it('keeps the tags, reads null as none, and drops what registries are known to mix in', () => {
    expect(
      page('{"name":"shop/api","tags":["1.0.0-develop",null,"sha256:' + 'ab'.repeat(32) + '"]}'),
    ).toEqual(['1.0.0-develop']);
    expect(page('{"name":"shop/api","tags":null}')).toEqual([]);
  });

  it.each([
    ['HTML', '<html><body>Sign in</body></html>', /with something that is not JSON \(check --registry/],
    ['a list', '["1.0.0-develop"]', /with something that is not one/],
    ['tags as a string', '{"tags":"1.0.0-develop"}', /with something that is not one/],
    ['a number among the tags', '{"tags":["1.0.0-develop",7]}', /a tag that is not a string: "7"/],
    [
      'an object among the tags',
      '{"tags":[{"name":"x"}]}',
      /a tag that is not a string: "\{\\"name\\":\\"x\\"\}"/,
    ],
  ])(
    'refuses %s as an unusable answer (exit 2) naming the registry and repository',
    (_what, text, message) => {
      let err: unknown;
      try {
        page(text);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(BadAnswerError);
      expect((err as BadAnswerError).exitCode).toBe(2);
      expect((err as Error).message).toMatch(/^https:\/\/reg\.test answered the tag list of shop\/api /);
      expect(`${(err as Error).message} (${(err as BadAnswerError).hint})`).toMatch(message);
    },
  );
});

describe('next page links', () => {
  const req = 'https://reg.test/v2/team/app/tags/list?n=1000';
  it.each([
    ['</v2/team/app/tags/list?n=2&last=b>; rel="next"', 'https://reg.test/v2/team/app/tags/list?n=2&last=b'],
    [
      '<https://reg.test/v2/team/app/tags/list?last=b>; rel=next',
      'https://reg.test/v2/team/app/tags/list?last=b',
    ],
    ['<?next_page=abc>; rel="next"', 'https://reg.test/v2/team/app/tags/list?next_page=abc'],
    ['<https://other.test/x>; rel="next"', 'https://other.test/x'],
    ['</first>; rel="first", </v2/x?last=c>; rel="next"', 'https://reg.test/v2/x?last=c'],
    ['</v2/x?last=c>; title="page 2"; REL="prev next"', 'https://reg.test/v2/x?last=c'],
  ])('%s', (link, expected) => {
    expect(nextPageUrl(link, req)?.href).toBe(expected);
  });

  it('finds no next page without a next link', () => {
    expect(nextPageUrl(undefined, req)).toBeUndefined();
    expect(nextPageUrl('</v2/x?last=a>; rel="prev"', req)).toBeUndefined();
  });
});
