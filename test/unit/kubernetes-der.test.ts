import { X509Certificate } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { CertificateAuthority } from '../../src/sandbox/kubernetes/certificates';
import {
  bitString,
  encodeLength,
  integer,
  namedBits,
  oid,
  sequence,
  set,
  time,
  utf8String,
} from '../../src/sandbox/kubernetes/der';
import { requireBinary } from '../support/binaries';

/** The DER writer against hand-encoded values (X.690), and the certificates it makes against openssl and Node. */

const hex = (b: Buffer): string => b.toString('hex');

describe('DER encoding', () => {
  it.each([
    [0, '00'],
    [127, '7f'],
    [128, '8180'],
    [255, '81ff'],
    [256, '820100'],
    [65_535, '82ffff'],
    [70_000, '83011170'],
  ])('writes length %i as %s (short form below 128, long form above)', (length, expected) => {
    expect(hex(encodeLength(length))).toBe(expected);
  });

  it.each([
    [0, '020100'],
    [127, '02017f'],
    [128, '02020080'],
    [256, '02020100'],
    [2, '020102'],
  ])('writes INTEGER %i minimally, with a leading zero when the top bit is set', (value, expected) => {
    expect(hex(integer(value))).toBe(expected);
  });

  it('writes a big-endian INTEGER from bytes without redundant leading zeros', () => {
    expect(hex(integer(Buffer.from([0, 0, 0x12])))).toBe('020112');
    expect(hex(integer(Buffer.from([0, 0x80])))).toBe('02020080');
    expect(hex(integer(Buffer.from([0xff])))).toBe('020200ff');
  });

  it.each([
    ['1.2.840.113549', '06062a864886f70d'],
    ['1.2.840.10045.4.3.2', '06082a8648ce3d040302'],
    ['2.5.4.3', '0603550403'],
    ['1.3.6.1.5.5.7.3.1', '06082b06010505070301'],
  ])('writes OBJECT IDENTIFIER %s', (dotted, expected) => {
    expect(hex(oid(dotted))).toBe(expected);
  });

  it('sorts the elements of a SET OF by their encoding', () => {
    expect(hex(set(Buffer.from('0201ff', 'hex'), Buffer.from('020101', 'hex')))).toBe('31060201010201ff');
  });

  it('writes keyUsage bits with the unused trailing bits counted (digitalSignature, keyCertSign, cRLSign)', () => {
    expect(hex(namedBits([0, 5, 6]))).toBe('03020186');
    expect(hex(namedBits([0]))).toBe('03020780');
  });

  it('writes UTCTime before 2050 and GeneralizedTime from 2050 (RFC 5280)', () => {
    expect(time(new Date('2026-12-02T05:06:07Z')).toString('latin1')).toBe('\x17\x0d261202050607Z');
    expect(time(new Date('2050-01-01T00:00:00Z')).toString('latin1')).toBe('\x18\x0f20500101000000Z');
  });

  it('nests a SEQUENCE and a UTF8String', () => {
    expect(hex(sequence(utf8String('ab'), bitString(Buffer.from([1]))))).toBe('30080c02616203020001');
  });
});

describe('the emulator certificate authority', () => {
  let dir: string;
  const ca = new CertificateAuthority();
  const server = ca.issueServerCertificate();
  const client = ca.issueClientCertificate('alice', ['system:masters', 'devs']);

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'kemu-der-'));
    writeFileSync(path.join(dir, 'ca.pem'), ca.cert);
    writeFileSync(path.join(dir, 'server.pem'), server.cert);
    writeFileSync(path.join(dir, 'client.pem'), client.cert);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const openssl = (...args: string[]): string =>
    execFileSync(requireBinary('openssl'), args, { cwd: dir, encoding: 'utf8' });

  it('makes certificates openssl verifies against the CA', () => {
    expect(openssl('verify', '-CAfile', 'ca.pem', 'server.pem', 'client.pem')).toBe(
      'server.pem: OK\nclient.pem: OK\n',
    );
  });

  it('makes a CA that openssl reads as a v3 CA with an EC P-256 key signed with ECDSA-SHA256', () => {
    const text = openssl('x509', '-in', 'ca.pem', '-noout', '-text');
    expect(text).toContain('Version: 3 (0x2)');
    expect(text).toContain('Signature Algorithm: ecdsa-with-SHA256');
    expect(text).toContain('NIST CURVE: P-256');
    expect(text).toMatch(/Basic Constraints: critical\s+CA:TRUE/);
    expect(text).toMatch(/Key Usage: critical\s+Digital Signature, Certificate Sign, CRL Sign/);
  });

  it('makes a server certificate for the loopback names and addresses, for server auth only', () => {
    const text = openssl('x509', '-in', 'server.pem', '-noout', '-text');
    expect(text).toContain('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1');
    expect(text).toMatch(/Extended Key Usage:\s+TLS Web Server Authentication/);
    expect(text).toMatch(/Basic Constraints: critical\s+CA:FALSE/);
    expect(new X509Certificate(server.cert).checkIP('127.0.0.1')).toBe('127.0.0.1');
  });

  it('puts groups in O and the user in CN of a client certificate, and reads them back', () => {
    const subject = openssl('x509', '-in', 'client.pem', '-noout', '-subject', '-nameopt', 'RFC2253');
    expect(subject.trim()).toBe('subject=CN=alice,O=devs,O=system:masters');
    expect(ca.identify(new X509Certificate(client.cert).raw)).toEqual({
      user: 'alice',
      groups: ['system:masters', 'devs'],
    });
  });

  it('does not identify a certificate of another CA, or one not meant for clients', () => {
    const stranger = new CertificateAuthority().issueClientCertificate('mallory', ['system:masters']);
    expect(ca.identify(new X509Certificate(stranger.cert).raw)).toBeUndefined();
    expect(ca.identify(new X509Certificate(server.cert).raw)).toBeUndefined();
    expect(ca.identify(undefined)).toBeUndefined();
  });

  it('makes a fresh random positive serial for every certificate', () => {
    const serials = [ca.issueClientCertificate('a'), ca.issueClientCertificate('a')].map(
      (c) => new X509Certificate(c.cert).serialNumber,
    );
    expect(serials[0]).not.toBe(serials[1]);
    for (const s of serials) expect(parseInt(s.slice(0, 2), 16)).toBeLessThan(0x80);
  });
});
