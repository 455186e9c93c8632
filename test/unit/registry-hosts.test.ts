import { isFromRegistry, sameRegistry } from '../../src/plan/registry-hosts';

describe('which registry an app pulls from', () => {
  it.each([
    ['registry.example.com', 'registry.example.com', true],
    // The agents' port behind the TLS proxy everyone else uses: one registry.
    ['registry.example.com:5000', 'registry.example.com', true],
    ['registry.example.com', 'registry.example.com:443', true],
    ['REGISTRY.example.com:5000', 'registry.example.com:5000', true],
    ['docker.io', 'index.docker.io', true],
    [undefined, 'registry-1.docker.io', true],
    // Two explicit ports on one host: the registry and a mirror beside it.
    ['127.0.0.1:5000', '127.0.0.1:5001', false],
    ['localhost:5000', '127.0.0.1:5000', false],
    ['mirror.example.com', 'registry.example.com', false],
  ])('%s and %s are one registry: %s', (a, b, same) => {
    expect(sameRegistry(a, b)).toBe(same);
    expect(sameRegistry(b, a)).toBe(same);
  });

  it('takes an image on another port of the catalog registry host for another registry', () => {
    expect(isFromRegistry('127.0.0.1:5001/shop/api:1.0.0', 'http://127.0.0.1:5000')).toBe(false);
    expect(isFromRegistry('127.0.0.1:5000/shop/api:1.0.0', 'http://127.0.0.1:5000')).toBe(true);
    expect(isFromRegistry('registry.example.com:5000/shop/api:1.0.0', 'https://registry.example.com')).toBe(
      true,
    );
  });
});
