import { AxiosError, AxiosHeaders } from 'axios';
import { generateKeyPairSync } from 'node:crypto';
import { buildProgram } from '../../src/cli';
import { UnavailableError } from '../../src/errors';
import { report } from '../../src/main';
import { clearSecrets, redact, registerEnvironmentSecrets } from '../../src/util/secrets';
import { collector } from '../integration/get-support';

const pem = generateKeyPairSync('rsa', { modulusLength: 1024 })
  .privateKey.export({ type: 'pkcs8', format: 'pem' })
  .toString();
// Each password is chosen so that every form below is a different string: its base64, alone and
// as user:password, has '+', '/' and padding (so base64url and unpadded base64 differ from it too),
// and it has characters that URL encoding and JSON escaping change.
const PASSWORDS = {
  registry: ['ci-reader', 'REGpw"M4rk~>>??a'],
  marathon: ['deployer', 'MARpw"M4rk~>>??a'],
  dcos: ['jenkins', 'DCOSpw"M4rk~>>??a'],
  proxy: ['proxyuser', 'PROXYpw"M4~>>??a'],
} as const;
const ENV = {
  REGISTRY_USER: PASSWORDS.registry[0],
  REGISTRY_PASSWORD: PASSWORDS.registry[1],
  MARATHON_USER: PASSWORDS.marathon[0],
  MARATHON_PASSWORD: PASSWORDS.marathon[1],
  DCOS_USER: PASSWORDS.dcos[0],
  DCOS_PASSWORD: PASSWORDS.dcos[1],
  DCOS_TOKEN: 'eyJhbGciOiJSUzI1NiJ9.MARKER4.sig',
  DCOS_SERVICE_ACCOUNT_KEY: pem,
  SLACK_WEBHOOK_URL: 'https://hooks.slack.test/services/T0/B0/MARKER5token',
  https_proxy: `http://${PASSWORDS.proxy[0]}:${encodeURIComponent(PASSWORDS.proxy[1])}@proxy.test:3128`,
};
const base64 = (v: string) => Buffer.from(v).toString('base64');
const basic = (user: string, password: string) => base64(`${user}:${password}`);

/** Every encoding a secret travels in: Basic auth, tokens, query strings, JSON bodies. */
const encodings = (v: string) => [
  v,
  base64(v),
  base64(v).replace(/=+$/, ''),
  Buffer.from(v).toString('base64url'),
  encodeURIComponent(v),
  JSON.stringify(v).slice(1, -1),
];

/** Every way the secrets above could be written out. */
const forms = [
  ...['REGISTRY_PASSWORD', 'MARATHON_PASSWORD', 'DCOS_PASSWORD', 'DCOS_TOKEN', 'SLACK_WEBHOOK_URL'].flatMap(
    (name) => encodings(ENV[name as keyof typeof ENV]),
  ),
  ...encodings(PASSWORDS.proxy[1]),
  // Basic auth: the registry's and Marathon's, and the proxy's (axios sends Proxy-Authorization).
  ...[PASSWORDS.registry, PASSWORDS.marathon, PASSWORDS.proxy].map(([user, password]) =>
    basic(user, password),
  ),
  '/services/T0/B0/MARKER5token',
  ...pem.split('\n').filter((l) => l.length >= 16 && !l.startsWith('-----')),
];

beforeEach(() => {
  clearSecrets();
  registerEnvironmentSecrets(ENV);
});
afterAll(() => clearSecrets());

describe('secrets on their way out', () => {
  it('are tested with passwords whose encodings all differ', () => {
    for (const [user, password] of Object.values(PASSWORDS)) {
      for (const encoded of [base64(password), basic(user, password)])
        expect(encoded).toMatch(/\+.*\/.*=$|\/.*\+.*=$/);
      expect(encodeURIComponent(password)).not.toBe(password);
      expect(JSON.stringify(password).slice(1, -1)).not.toBe(password);
      expect(new Set(encodings(password)).size).toBe(encodings(password).length);
    }
  });

  it('are masked in every form they travel in', () => {
    const text = forms.join(' | ');
    expect(forms.filter((f) => redact(text).includes(f))).toEqual([]);
    expect(redact('registry https://registry.example.com, user ci-reader')).toBe(
      'registry https://registry.example.com, user ci-reader',
    );
  });

  it('do not survive an axios error through the reporter, stack trace included', () => {
    const headers = new AxiosHeaders({
      Authorization: `Basic ${basic(ENV.REGISTRY_USER, ENV.REGISTRY_PASSWORD)}`,
      'Proxy-Authorization': `Basic ${basic(...PASSWORDS.proxy)}`,
      'X-Token': ENV.DCOS_TOKEN,
    });
    const config = {
      url: `${ENV.SLACK_WEBHOOK_URL}?x=1`,
      headers,
      data: `{"password":"${ENV.DCOS_PASSWORD}"}`,
    };
    // A library message that quotes what it was given: the worst case for a catch-all.
    const err = new AxiosError(
      `Request failed for ${config.url} with Authorization ${headers.Authorization}, ${headers['Proxy-Authorization']} and ${ENV.DCOS_TOKEN}`,
      'ERR_BAD_REQUEST',
      config as never,
      { path: `/services/T0/B0/MARKER5token` },
    );
    const stderr = collector();
    expect(report(err, { stderr })).toBe(1);
    expect(stderr.text).toMatch(/^rollback: internal error: Request failed for \*\*\*/);
    expect(stderr.text).toContain('    at '); // the stack is there for the bug report
    expect(forms.filter((f) => stderr.text.includes(f))).toEqual([]);
  });

  it('do not survive a typed error that wraps one (its cause is never printed)', () => {
    const cause = new AxiosError('socket hang up', 'ECONNRESET', {
      headers: new AxiosHeaders({ Authorization: `token=${ENV.DCOS_TOKEN}` }),
    } as never);
    const err = new UnavailableError(`cannot reach Marathon with token=${ENV.DCOS_TOKEN}`, {
      hint: `password ${ENV.MARATHON_PASSWORD}`,
      cause,
    });
    const stderr = collector();
    expect(report(err, { stderr })).toBe(3);
    expect(stderr.text).toBe('rollback: cannot reach Marathon with token=*** (password ***)\n');
  });
});

describe('the command line', () => {
  it('has no flag that takes a secret (a command line shows in ps and in Jenkins logs)', () => {
    const sink = collector();
    const program = buildProgram({ env: {}, stdout: sink, stderr: sink, cwd: '/' }, () => {});
    const flags = [program, ...program.commands].flatMap((cmd) =>
      cmd.options.map((o) => `${cmd.name()} ${o.flags}`),
    );
    expect(flags.length).toBeGreaterThan(30);
    expect(flags.filter((f) => /pass|secret|token|key|credential|auth|webhook|user|login/i.test(f))).toEqual(
      [],
    );
  });
});
