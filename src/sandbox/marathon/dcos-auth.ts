import { createPublicKey, generateKeyPairSync, sign, verify, type KeyObject } from 'node:crypto';

/**
 * The DC/OS side of the emulator: the IAM login (`POST /acs/api/v1/auth/login`, user/password or a
 * service account's RS256 login token) and Admin Router's check of `Authorization: token=<JWT>`.
 * Tokens are real RS256 JWTs signed with a key pair made at start-up (reference sheet §7.1).
 */

export interface DcosAuthOptions {
  users: Record<string, string>;
  /** uid → PEM public key of the service account. */
  serviceAccounts: Record<string, string>;
  /** Lifetime of the tokens this IAM issues; DC/OS Open Source: five days. */
  tokenLifetimeMs: number;
}

export interface LoginReply {
  status: number;
  body: unknown;
  headers: Record<string, string | string[]>;
}

const INVALID_CREDENTIALS = {
  title: 'Unauthorized',
  description: 'Invalid credentials.',
  code: 'ERR_INVALID_CREDENTIALS',
};

function base64url(data: Buffer | string): string {
  return Buffer.from(data).toString('base64url');
}

function decodeJwt(
  token: string,
):
  | { header: Record<string, unknown>; payload: Record<string, unknown>; signed: string; signature: Buffer }
  | undefined {
  const parts = token.split('.');
  if (parts.length !== 3) return undefined;
  try {
    const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as unknown;
    const payload = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as unknown;
    if (typeof header !== 'object' || header === null || typeof payload !== 'object' || payload === null)
      return undefined;
    return {
      header: header as Record<string, unknown>,
      payload: payload as Record<string, unknown>,
      signed: `${parts[0]}.${parts[1]}`,
      signature: Buffer.from(parts[2]!, 'base64url'),
    };
  } catch {
    return undefined;
  }
}

/** Verifies an RS256 JWT; returns its payload when the signature is good and `exp` (if any) is in the future. */
export function verifyRs256(
  token: string,
  key: KeyObject,
  nowMs = Date.now(),
): Record<string, unknown> | undefined {
  const jwt = decodeJwt(token);
  if (!jwt || jwt.header['alg'] !== 'RS256') return undefined;
  if (!verify('sha256', Buffer.from(jwt.signed), key, jwt.signature)) return undefined;
  const exp = jwt.payload['exp'];
  if (exp !== undefined && (typeof exp !== 'number' || exp * 1000 <= nowMs)) return undefined;
  return jwt.payload;
}

export function signRs256(payload: Record<string, unknown>, privateKey: KeyObject | string): string {
  const signed = `${base64url(JSON.stringify({ alg: 'RS256', typ: 'JWT' }))}.${base64url(JSON.stringify(payload))}`;
  return `${signed}.${base64url(sign('sha256', Buffer.from(signed), privateKey))}`;
}

/** Admin Router's 401: an HTML page (the UI), never JSON (reference §7.1). */
export const UNAUTHORIZED_HTML = `<!DOCTYPE html>
<html>
<head><title>Unauthorized</title></head>
<body>
<h1>401 Unauthorized</h1>
<p>Authentication is required. Log in to DC/OS first.</p>
<script>window.location = '/login?redirect=' + encodeURIComponent(window.location.pathname);</script>
</body>
</html>
`;

let keys: { privateKey: KeyObject; publicKey: KeyObject } | undefined;

/** One key pair per process: making a 2048-bit RSA key costs ~0.2 s of CPU, and tests start many emulators. */
function signingKeys(): { privateKey: KeyObject; publicKey: KeyObject } {
  keys ??= generateKeyPairSync('rsa', { modulusLength: 2048 });
  return keys;
}

export class DcosAuth {
  private readonly privateKey: KeyObject;
  private readonly publicKey: KeyObject;
  private readonly accounts = new Map<string, KeyObject>();

  constructor(private readonly options: DcosAuthOptions) {
    const pair = signingKeys();
    this.privateKey = pair.privateKey;
    this.publicKey = pair.publicKey;
    for (const [uid, pem] of Object.entries(options.serviceAccounts))
      this.accounts.set(uid, createPublicKey(pem));
  }

  /** The uid of a valid token from the request headers, or undefined (→ 401). */
  authenticate(headers: Record<string, string | string[] | undefined>): string | undefined {
    const token = this.tokenFrom(headers);
    if (token === undefined) return undefined;
    const payload = verifyRs256(token, this.publicKey);
    return typeof payload?.['uid'] === 'string' ? payload['uid'] : undefined;
  }

  private tokenFrom(headers: Record<string, string | string[] | undefined>): string | undefined {
    const auth = headers['authorization'];
    if (typeof auth === 'string') {
      const match = /^(?:token=|Bearer\s+)(\S+)$/i.exec(auth.trim());
      // Admin Router's Lua also accepts `Bearer` although the docs say it is not supported.
      if (match) return match[1];
      return undefined;
    }
    const cookie = headers['cookie'];
    if (typeof cookie === 'string') {
      const match = /(?:^|;\s*)dcos-acs-auth-cookie=([^;]+)/.exec(cookie);
      if (match) return match[1];
    }
    return undefined;
  }

  login(contentType: string | undefined, rawBody: string): LoginReply {
    if (!contentType || !/^application\/json\b/i.test(contentType)) {
      return this.error(400, {
        title: 'Bad Request',
        description: 'Request has bad Content-Type or lacks JSON data',
      });
    }
    let body: unknown;
    try {
      body = JSON.parse(rawBody);
    } catch {
      return this.error(400, {
        title: 'Bad Request',
        description: 'Request has bad Content-Type or lacks JSON data',
      });
    }
    if (typeof body !== 'object' || body === null || typeof (body as { uid?: unknown }).uid !== 'string') {
      return this.error(400, { title: 'Bad Request', description: "Request JSON must contain 'uid'." });
    }
    const { uid, password, token } = body as { uid: string; password?: unknown; token?: unknown };
    if ((password === undefined) === (token === undefined)) {
      return this.error(400, {
        title: 'Bad Request',
        description: "Exactly one of 'password' or 'token' must be given.",
      });
    }
    let ok = false;
    if (typeof password === 'string') {
      ok =
        Object.prototype.hasOwnProperty.call(this.options.users, uid) && this.options.users[uid] === password;
    } else if (typeof token === 'string') {
      const key = this.accounts.get(uid);
      const claims = key ? verifyRs256(token, key) : undefined;
      ok = claims !== undefined && claims['uid'] === uid;
    }
    if (!ok) return { status: 401, body: INVALID_CREDENTIALS, headers: { 'WWW-Authenticate': 'acsjwt' } };
    const exp = Math.floor((Date.now() + this.options.tokenLifetimeMs) / 1000);
    const issued = signRs256({ uid, exp }, this.privateKey);
    return {
      status: 200,
      body: { token: issued },
      headers: {
        'Set-Cookie': [
          `dcos-acs-auth-cookie=${issued}; HttpOnly; Path=/`,
          `dcos-acs-info-cookie=${base64url(JSON.stringify({ uid, description: uid }))}; Path=/`,
        ],
      },
    };
  }

  private error(status: number, body: Record<string, string>): LoginReply {
    return { status, body, headers: {} };
  }
}
