import { Writable } from 'node:stream';
import { colorEnabled, createLogger } from '../../src/util/log';
import { clearSecrets, registerSecret } from '../../src/util/secrets';

function sink(isTTY: boolean) {
  let text = '';
  const stream = Object.assign(
    new Writable({
      write(chunk, _enc, done) {
        text += chunk.toString();
        done();
      },
    }),
    { isTTY },
  );
  return { stream, text: () => text };
}

const at = () => new Date('2026-11-28T09:15:42Z');
const ESC = '\u001b[';

describe('progress on stderr', () => {
  const saved = { NO_COLOR: process.env.NO_COLOR, FORCE_COLOR: process.env.FORCE_COLOR };
  beforeEach(() => {
    delete process.env.NO_COLOR;
    delete process.env.FORCE_COLOR;
  });
  afterEach(() => {
    clearSecrets();
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });

  it('prints plain timestamped lines, one per change, when not on a terminal (Jenkins logs)', () => {
    const out = sink(false);
    const log = createLogger({ stream: out.stream, now: at });
    log.info('listing apps');
    log.status('api', 'deploying 1.6.0');
    log.status('api', 'deploying 1.6.0'); // unchanged: not repeated
    log.status('api', 'on 1.6.0');
    expect(out.text()).toBe('09:15:42 listing apps\n09:15:42 api: deploying 1.6.0\n09:15:42 api: on 1.6.0\n');
    expect(out.text()).not.toContain(ESC);
  });

  it('keeps one live line per service on a terminal, rewritten in place', () => {
    const out = sink(true);
    const log = createLogger({ stream: out.stream, color: false });
    log.status('api', 'deploying');
    log.status('web', 'deploying');
    log.status('api', 'on 1.6.0');
    // The third update moves up over both lines, clears them, and draws both again.
    expect(out.text()).toBe(
      'api  deploying\n' +
        `${ESC}1A${ESC}0Japi  deploying\nweb  deploying\n` +
        `${ESC}2A${ESC}0Japi  on 1.6.0\nweb  deploying\n`,
    );
  });

  it('respects NO_COLOR even on a terminal', () => {
    expect(colorEnabled({ isTTY: true })).toBe(true);
    process.env.NO_COLOR = '1';
    expect(colorEnabled({ isTTY: true })).toBe(false);
    const out = sink(true);
    createLogger({ stream: out.stream }).warn('careful');
    expect(out.text()).toBe('warning: careful\n');
  });

  it('--quiet keeps warnings and drops progress', () => {
    const out = sink(false);
    const log = createLogger({ stream: out.stream, quiet: true, now: at });
    log.info('listing apps');
    log.status('api', 'deploying');
    log.warn('the webhook failed');
    expect(out.text()).toBe('09:15:42 warning: the webhook failed\n');
  });

  it('never prints a registered secret', () => {
    registerSecret('s3cret-token-value');
    const out = sink(false);
    createLogger({ stream: out.stream, now: at }).info('login with s3cret-token-value failed');
    expect(out.text()).toBe('09:15:42 login with *** failed\n');
  });
});
