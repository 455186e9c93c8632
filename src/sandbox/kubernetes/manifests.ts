import type { JsonObject } from './json';

/**
 * Workload manifests for seeding and tests, shaped like what a team applies: labels that the
 * selector matches, named containers and init containers, a readiness probe and a port.
 */

export interface ContainerSpec {
  name: string;
  image: string;
}

export interface WorkloadSpec {
  name: string;
  namespace?: string;
  replicas?: number;
  containers: ContainerSpec[];
  initContainers?: ContainerSpec[];
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
}

function container(c: ContainerSpec, withPort: boolean): JsonObject {
  if (!withPort) return { name: c.name, image: c.image };
  return {
    name: c.name,
    image: c.image,
    ports: [{ name: 'http', containerPort: 8080 }],
    readinessProbe: { httpGet: { path: '/health', port: 'http' } },
  };
}

function podTemplate(w: WorkloadSpec): JsonObject {
  const labels = { app: w.name, ...w.labels };
  return {
    metadata: { labels },
    spec: {
      ...(w.initContainers?.length
        ? { initContainers: w.initContainers.map((c) => container(c, false)) }
        : {}),
      containers: w.containers.map((c, i) => container(c, i === 0)),
    },
  };
}

function metadata(w: WorkloadSpec): JsonObject {
  return {
    name: w.name,
    namespace: w.namespace ?? 'default',
    labels: { app: w.name, ...w.labels },
    ...(w.annotations ? { annotations: w.annotations } : {}),
  };
}

export function deploymentManifest(w: WorkloadSpec): JsonObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: metadata(w),
    spec: { replicas: w.replicas ?? 2, selector: { matchLabels: { app: w.name } }, template: podTemplate(w) },
  };
}

export function statefulSetManifest(w: WorkloadSpec): JsonObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: metadata(w),
    spec: {
      replicas: w.replicas ?? 2,
      serviceName: w.name,
      selector: { matchLabels: { app: w.name } },
      template: podTemplate(w),
    },
  };
}
