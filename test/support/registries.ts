import { startDockerRegistry, type RealRegistry, type RealRegistryOptions } from './docker-registry';

/**
 * Every registry implementation the client must work against. Integration suites run once per
 * entry (describe.each), so the embedded registry of the demo cannot drift from the real one.
 */
export interface RegistryKind {
  name: string;
  start(options?: RealRegistryOptions): Promise<RealRegistry>;
}

export const registryKinds: RegistryKind[] = [{ name: 'docker-registry 2.8', start: startDockerRegistry }];
