import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { InputError, UsageError } from '../../src/errors';
import { assertCaFile } from '../../src/util/ca-file';
import { quote } from '../../src/util/quote';
import { parseServiceUrl } from '../../src/util/service-url';
import { requireBinary } from '../support/binaries';

const registryUrl = (value: string) =>
  parseServiceUrl(value, {
    name: '--registry',
    example: 'https://registry.example.com',
    credentialsHint: 'put them in REGISTRY_USER and REGISTRY_PASSWORD',
  });

/** The error a call throws, with its hint, as the one line main() would print. */
function lineOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    const e = err as UsageError;
    return `${e.constructor.name}: ${e.message}${e.hint ? ` (${e.hint})` : ''}`;
  }
  return '(no error)';
}

describe('service URLs', () => {
  it.each([
    ['https://registry.example.com/', 'https://registry.example.com'],
    ['HTTP://Registry.Example.com:5000//', 'http://registry.example.com:5000'],
    ['https://host.test/artifactory/api/docker/repo/', 'https://host.test/artifactory/api/docker/repo'],
  ])('%s -> %s', (value, expected) => {
    expect(registryUrl(value)).toBe(expected);
  });

  it.each([
    [
      'https://ci:hunter2-secret@registry.example.com',
      /^UsageError: --registry must not contain credentials \(put them in REGISTRY_USER/,
    ],
    ['https://:hunter2-secret@registry.example.com', /must not contain credentials/],
    // Not a URL at all, but it still looks like user:password@host: never repeated.
    ['ci:hunter2-secret@registry.example.com', /^UsageError: --registry must be an http or https URL/],
    ['hunter2-secret@registry', /^UsageError: --registry is not a URL/],
    [
      'https://registry.example.com/?token=hunter2-secret',
      /^UsageError: --registry "https:\/\/registry\.example\.com\/" must not have a query/,
    ],
  ])('refuses %s without repeating the secret', (value, message) => {
    const line = lineOf(() => registryUrl(value));
    expect(line).toMatch(message);
    expect(line).not.toContain('hunter2');
  });

  it.each([
    [
      'registry.example.com',
      /^UsageError: --registry "registry\.example\.com" is not a URL \(give the base URL with its scheme/,
    ],
    [
      'ftp://registry.example.com',
      /^UsageError: --registry "ftp:\/\/registry\.example\.com" must be an http or https URL/,
    ],
    ['https://registry.example.com/#x', /must not have a query or fragment/],
  ])('refuses %s naming it', (value, message) => {
    expect(lineOf(() => registryUrl(value))).toMatch(message);
  });

  it('uses the error class it is given (files are input, not usage)', () => {
    const line = lineOf(() =>
      parseServiceUrl('file:///etc/passwd', {
        name: 'rollback.json: registry',
        example: 'https://registry.example.com',
        credentialsHint: 'x',
        error: InputError,
      }),
    );
    expect(line).toBe(
      'InputError: rollback.json: registry "file:///etc/passwd" must be an http or https URL (e.g. https://registry.example.com)',
    );
  });
});

describe('quoting a value from outside in a one-line message', () => {
  it.each([
    ['develop', '"develop"'],
    ['2026-11-28; rm -rf /', '"2026-11-28; rm -rf /"'],
    ['a\nrollback: forged line', '"a\\nrollback: forged line"'],
    ['\u001b[2Jcleared', '"\\u001b[2Jcleared"'],
    ['\u009b31mred\u2028x', '"\\u009b31mred\\u2028x"'],
    ['x'.repeat(100), `"${'x'.repeat(80)}..."`],
  ])('%j -> %s', (value, expected) => {
    expect(quote(value)).toBe(expected);
  });
});

describe('--ca-file', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'rollback-ca-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('accepts a PEM certificate', () => {
    requireBinary('openssl');
    const cert = path.join(dir, 'ca.pem');
    // prettier-ignore
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-keyout', path.join(dir, 'key.pem'), '-out', cert, '-days', '1', '-subj', '/CN=test-ca',
    ], { stdio: 'ignore' });
    expect(() => assertCaFile(cert)).not.toThrow();
  });

  it.each([
    [
      'a private key instead of a certificate',
      '-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----\n',
    ],
    ['a damaged certificate', '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydA==\n-----END CERTIFICATE-----\n'],
    ['an empty file', ''],
  ])('refuses %s (Node would ignore it silently)', (_what, text) => {
    const file = path.join(dir, 'bad.pem');
    writeFileSync(file, text);
    expect(lineOf(() => assertCaFile(file, 'bad.pem'))).toBe(
      'UsageError: --ca-file bad.pem holds no readable PEM certificate (give the CA certificate(s) in PEM form (-----BEGIN CERTIFICATE-----))',
    );
  });

  it('refuses a file it cannot read, saying why', () => {
    expect(lineOf(() => assertCaFile(path.join(dir, 'missing.pem'), 'missing.pem'))).toBe(
      'UsageError: --ca-file missing.pem cannot be read (ENOENT)',
    );
  });
});
