import { startDockerRegistry, type RealRegistry, type RealRegistryOptions } from './docker-registry';
import { startEmbeddedRegistry } from '../../src/sandbox/registry';

/**
 * Every registry implementation the client must work against. Integration suites run once per
 * entry (describe.each), so the embedded registry of the demo cannot drift from the real one.
 */
export interface RegistryKind {
  name: string;
  start(options?: RealRegistryOptions): Promise<RealRegistry>;
}

export const registryKinds: RegistryKind[] = [
  { name: 'docker-registry 2.8', start: startDockerRegistry },
  // Like 2.8 it returns every tag when asked without `n`; it honours `n`/`last` (as distribution v3
  // does) and lists tags in hash order, neither name nor push order.
  { name: 'embedded registry', start: (options = {}) => startEmbeddedRegistry(options) },
];
