import {
  createHash,
  generateKeyPairSync,
  randomBytes,
  sign,
  X509Certificate,
  type KeyObject,
} from 'node:crypto';
import { isIPv4, isIPv6 } from 'node:net';
import {
  bitString,
  boolean,
  explicit,
  implicitPrimitive,
  integer,
  namedBits,
  octetString,
  oid,
  sequence,
  set,
  time,
  utf8String,
} from './der';

/**
 * The emulator's own certificate authority: a CA, the server certificate for loopback, and client
 * certificates, all EC P-256 signed with ECDSA-SHA256, made at start-up with node:crypto alone.
 * kubectl (Go's crypto/x509) is strict: positive serials, a CA with basicConstraints and keyCertSign,
 * the loopback addresses as subjectAltName IPs (Go ignores the common name), serverAuth/clientAuth.
 */

const OID = {
  ecPublicKey: '1.2.840.10045.2.1',
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  subjectKeyIdentifier: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyIdentifier: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
};
const KEY_USAGE = { digitalSignature: 0, keyCertSign: 5, cRLSign: 6 };
const CLOCK_SKEW_MS = 60 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface IssuedCertificate {
  /** PEM certificate. */
  cert: string;
  /** PEM PKCS#8 private key. */
  key: string;
}

export interface ClientIdentity {
  user: string;
  groups: string[];
}

interface Subject {
  commonName: string;
  organizations?: string[];
}

interface CertificateFields {
  subject: Subject;
  publicKey: KeyObject;
  extensions: Buffer[];
  validDays: number;
}

function rdn(type: string, value: string): Buffer {
  return set(sequence(oid(type), utf8String(value)));
}

function name(subject: Subject): Buffer {
  // Kubernetes reads groups from O and the user from CN, in this order (x509 request authenticator).
  return sequence(
    ...(subject.organizations ?? []).map((o) => rdn(OID.organization, o)),
    rdn(OID.commonName, subject.commonName),
  );
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return sequence(oid(id), ...(critical ? [boolean(true)] : []), octetString(value));
}

/** The uncompressed EC point (0x04 || x || y): what the key identifiers hash (RFC 5280 §4.2.1.2). */
function keyIdentifier(publicKey: KeyObject): Buffer {
  const jwk = publicKey.export({ format: 'jwk' });
  const point = Buffer.concat([
    Buffer.from([4]),
    Buffer.from(jwk.x ?? '', 'base64url'),
    Buffer.from(jwk.y ?? '', 'base64url'),
  ]);
  return createHash('sha1').update(point).digest();
}

function ipv6Groups(part: string): string[] {
  return part === '' ? [] : part.split(':');
}

function ipAddressBytes(address: string): Buffer {
  if (isIPv4(address)) return Buffer.from(address.split('.').map(Number));
  if (!isIPv6(address)) throw new Error(`not an IP address: ${address}`);
  const [head = '', tail = ''] = address.includes('::') ? address.split('::') : [address, ''];
  const fill = 8 - ipv6Groups(head).length - ipv6Groups(tail).length;
  const all = [...ipv6Groups(head), ...Array<string>(fill).fill('0'), ...ipv6Groups(tail)];
  return Buffer.from(all.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]));
}

/** A positive 127-bit serial: random, so that a restarted emulator never repeats one. */
function serialNumber(): Buffer {
  const bytes = randomBytes(16);
  bytes[0] = (bytes[0]! & 0x7f) | 0x01;
  return bytes;
}

function newKeyPair(): { publicKey: KeyObject; privateKey: KeyObject } {
  return generateKeyPairSync('ec', { namedCurve: 'P-256' });
}

function pem(label: string, der: Buffer): string {
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

export class CertificateAuthority {
  /** PEM of the CA certificate: the kubeconfig's certificate-authority-data. */
  readonly cert: string;
  private readonly x509: X509Certificate;
  private readonly privateKey: KeyObject;
  private readonly subject: Buffer;
  private readonly keyId: Buffer;

  constructor(commonName = 'kubernetes-emulator-ca') {
    const { publicKey, privateKey } = newKeyPair();
    this.privateKey = privateKey;
    this.subject = name({ commonName });
    this.keyId = keyIdentifier(publicKey);
    const der = this.signCertificate(this.subject, {
      subject: { commonName },
      publicKey,
      validDays: 3650,
      extensions: [
        extension(OID.basicConstraints, true, sequence(boolean(true))),
        extension(
          OID.keyUsage,
          true,
          namedBits([KEY_USAGE.digitalSignature, KEY_USAGE.keyCertSign, KEY_USAGE.cRLSign]),
        ),
        extension(OID.subjectKeyIdentifier, false, octetString(this.keyId)),
      ],
    });
    this.cert = pem('CERTIFICATE', der);
    this.x509 = new X509Certificate(der);
  }

  /** A serving certificate for the given names and addresses (loopback by default). */
  issueServerCertificate(
    dnsNames: string[] = ['localhost'],
    ipAddresses: string[] = ['127.0.0.1', '::1'],
  ): IssuedCertificate {
    const altNames = sequence(
      ...dnsNames.map((n) => implicitPrimitive(2, Buffer.from(n, 'ascii'))),
      ...ipAddresses.map((ip) => implicitPrimitive(7, ipAddressBytes(ip))),
    );
    return this.issue({ commonName: dnsNames[0] ?? ipAddresses[0] ?? 'server' }, OID.serverAuth, [
      extension(OID.subjectAltName, false, altNames),
    ]);
  }

  /** A client certificate: CN is the user, each O a group, as the API server reads them. */
  issueClientCertificate(user: string, groups: string[] = []): IssuedCertificate {
    return this.issue({ commonName: user, organizations: groups }, OID.clientAuth, []);
  }

  /**
   * The identity in a client certificate (DER, as the TLS socket hands it over), or undefined when
   * this CA did not issue it, it is outside its validity, or it is not meant for client auth.
   */
  identify(raw: Buffer | undefined, now = new Date()): ClientIdentity | undefined {
    if (!raw || raw.length === 0) return undefined;
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(raw);
    } catch {
      return undefined;
    }
    if (!cert.checkIssued(this.x509) || !cert.verify(this.x509.publicKey)) return undefined;
    if (now < new Date(cert.validFrom) || now > new Date(cert.validTo)) return undefined;
    if (cert.keyUsage && !cert.keyUsage.includes(OID.clientAuth)) return undefined;
    const fields = cert.subject.split('\n').map((line) => line.split('=') as [string, string]);
    const user = fields.find(([k]) => k === 'CN')?.[1];
    if (!user) return undefined;
    return { user, groups: fields.filter(([k]) => k === 'O').map(([, v]) => v) };
  }

  private issue(subject: Subject, extendedUsage: string, extra: Buffer[]): IssuedCertificate {
    const { publicKey, privateKey } = newKeyPair();
    const der = this.signCertificate(this.subject, {
      subject,
      publicKey,
      validDays: 365,
      extensions: [
        extension(OID.basicConstraints, true, sequence()),
        extension(OID.keyUsage, true, namedBits([KEY_USAGE.digitalSignature])),
        extension(OID.extKeyUsage, false, sequence(oid(extendedUsage))),
        extension(OID.subjectKeyIdentifier, false, octetString(keyIdentifier(publicKey))),
        extension(OID.authorityKeyIdentifier, false, sequence(implicitPrimitive(0, this.keyId))),
        ...extra,
      ],
    });
    return {
      cert: pem('CERTIFICATE', der),
      key: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    };
  }

  private signCertificate(issuer: Buffer, fields: CertificateFields): Buffer {
    const now = Date.now();
    const algorithm = sequence(oid(OID.ecdsaWithSha256));
    const tbs = sequence(
      explicit(0, integer(2)), // v3
      integer(serialNumber()),
      algorithm,
      issuer,
      sequence(time(new Date(now - CLOCK_SKEW_MS)), time(new Date(now + fields.validDays * DAY_MS))),
      name(fields.subject),
      fields.publicKey.export({ type: 'spki', format: 'der' }),
      explicit(3, sequence(...fields.extensions)),
    );
    // node:crypto signs ECDSA in the DER form X.509 wants (dsaEncoding 'der' is the default).
    return sequence(tbs, algorithm, bitString(sign('sha256', tbs, this.privateKey)));
  }
}
