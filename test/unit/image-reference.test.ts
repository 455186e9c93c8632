import { displayVersion, isImageOf, parseImageReference, withTag } from '../../src/marathon/image';

const D = `sha256:${'ab'.repeat(32)}`;

describe('parseImageReference', () => {
  it.each([
    ['shop/api', { path: 'shop/api' }],
    ['shop/api:1.4.2-develop', { path: 'shop/api', tag: '1.4.2-develop' }],
    ['python:3.5-alpine', { path: 'python', tag: '3.5-alpine' }],
    ['registry.example.com/shop/api:1.0', { domain: 'registry.example.com', path: 'shop/api', tag: '1.0' }],
    ['localhost:5000/shop/api', { domain: 'localhost:5000', path: 'shop/api' }],
    ['localhost/shop/api:1', { domain: 'localhost', path: 'shop/api', tag: '1' }],
    ['127.0.0.1:5000/a/b/c:t', { domain: '127.0.0.1:5000', path: 'a/b/c', tag: 't' }],
    ['Registry/shop/api:1', { domain: 'Registry', path: 'shop/api', tag: '1' }],
    [
      `r.example.com:443/shop/api:1.0@${D}`,
      { domain: 'r.example.com:443', path: 'shop/api', tag: '1.0', digest: D },
    ],
    [`shop/api@${D}`, { path: 'shop/api', digest: D }],
    ['[::1]:5000/shop/api:2', { domain: '[::1]:5000', path: 'shop/api', tag: '2' }],
    ['docker.io/library/nginx:1.25', { domain: 'docker.io', path: 'library/nginx', tag: '1.25' }],
  ])('%s', (reference, expected) => {
    expect(parseImageReference(reference)).toEqual(expected);
  });

  it.each([
    '',
    ' shop/api',
    'shop/API:1',
    'shop/api:',
    'shop/api:bad tag',
    'shop//api',
    'shop/api@sha256',
    'r.example.com/:1',
    'shop/api:-x',
  ])('rejects %j', (reference) => {
    expect(parseImageReference(reference)).toBeUndefined();
  });
});

describe('isImageOf', () => {
  it.each([
    ['registry.example.com/shop/api:1.4.2-develop', 'shop/api', true],
    ['other-mirror.example.com:5000/shop/api:9.9.9', 'shop/api', true],
    ['shop/api', 'shop/api', true],
    [`shop/api@${D}`, 'shop/api', true],
    ['registry.example.com/shop/gateway-api:1.4.2-develop', 'shop/api', false],
    ['registry.example.com/shop/api-gateway:1.0', 'shop/api', false],
    ['registry.example.com/shop/api/worker:1.0', 'shop/api', false],
    ['registry.example.com/team/shop/api:1.0', 'shop/api', false],
    ['registry.example.com/shop/apis:1.0', 'shop/api', false],
    ['shop/api', 'shop/ap', false],
    ['python:3.5-alpine', 'library/python', true],
    ['docker.io/python:3.5', 'library/python', true],
    ['registry.example.com/python:3.5', 'library/python', false],
    ['not a reference', 'shop/api', false],
  ])('%s is of %s: %s', (image, repository, expected) => {
    expect(isImageOf(image, repository)).toBe(expected);
  });
});

describe('withTag', () => {
  it.each([
    [
      'registry.example.com:5000/shop/api:1.5.0-develop',
      '1.4.2-develop',
      undefined,
      'registry.example.com:5000/shop/api:1.4.2-develop',
    ],
    ['shop/api', '1.4.2', undefined, 'shop/api:1.4.2'],
    [
      `r.example.com/shop/api:1.5@${'sha256:' + '0'.repeat(64)}`,
      '1.4',
      undefined,
      'r.example.com/shop/api:1.4',
    ],
    ['r.example.com/shop/api:1.5', '1.4', D, `r.example.com/shop/api:1.4@${D}`],
    ['localhost:5000/shop/api:1.5', '1.4', undefined, 'localhost:5000/shop/api:1.4'],
  ])('%s with tag %s (digest %s) is %s', (image, tag, digest, expected) => {
    expect(withTag(image, tag, digest)).toBe(expected);
  });

  it('refuses what it cannot parse instead of guessing', () => {
    expect(() => withTag('Not Valid', '1')).toThrow(RangeError);
  });
});

describe('displayVersion', () => {
  it.each([
    ['r.example.com/shop/api:1.4.2-develop', '1.4.2-develop'],
    [`r.example.com/shop/api:1.4.2@${D}`, '1.4.2@sha256:abababababab'],
    ['r.example.com/shop/api', 'latest'],
    [`r.example.com/shop/api@${D}`, '@sha256:abababababab'],
  ])('%s shows as %s', (image, expected) => {
    expect(displayVersion(image)).toBe(expected);
  });
});
