import nock from 'nock';

// nock patches Node's shared http module; without restore() the next test file in the same
// worker breaks (nock/nock#2802). Loopback stays reachable for the real registry and emulator.
beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect(/^(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/);
});
afterEach(() => nock.cleanAll());
afterAll(() => {
  nock.enableNetConnect();
  nock.restore();
});
