import { deepEqual, field, isObject, stringMap, type Json, type JsonObject } from './json';
import type { FieldCause } from './status';
import { parseLabelSelector, selectorToQuery } from './selectors';

/**
 * The validation a client can meet when it writes a workload (pkg/apis/apps/validation), limited
 * to what a patch of images, a revert or a hand edit can get wrong: names, the selector and its
 * match with the template labels, containers, replicas. Messages as the server words them.
 */

const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

function goMap(labels: Record<string, string>): string {
  const entries = Object.entries(labels).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
  return `map[string]string{${entries.join(', ')}}`;
}

function required(fieldPath: string): FieldCause {
  return { field: fieldPath, reason: 'FieldValueRequired', message: 'Required value' };
}

function invalidValue(fieldPath: string, value: string, detail: string): FieldCause {
  return { field: fieldPath, reason: 'FieldValueInvalid', message: `Invalid value: ${value}: ${detail}` };
}

function validateContainers(spec: JsonObject, causes: FieldCause[]): void {
  const seen = new Set<string>();
  const containers = spec['containers'];
  if (!Array.isArray(containers) || containers.length === 0) {
    causes.push(required('spec.template.spec.containers'));
  }
  for (const list of ['initContainers', 'containers']) {
    const items = spec[list];
    if (!Array.isArray(items)) continue;
    items.forEach((c: Json, i) => {
      const path = `spec.template.spec.${list}[${i}]`;
      const name = isObject(c) ? c['name'] : undefined;
      if (typeof name !== 'string' || name === '') causes.push(required(`${path}.name`));
      else if (!DNS_LABEL.test(name)) {
        causes.push(
          invalidValue(
            `${path}.name`,
            JSON.stringify(name),
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-'",
          ),
        );
      } else if (seen.has(name)) {
        causes.push({
          field: `${path}.name`,
          reason: 'FieldValueDuplicate',
          message: `Duplicate value: ${JSON.stringify(name)}`,
        });
      } else seen.add(name);
      const image = isObject(c) ? c['image'] : undefined;
      if (image !== undefined && typeof image !== 'string') {
        causes.push(invalidValue(`${path}.image`, JSON.stringify(image), 'must be a string'));
      }
    });
  }
}

/** Field causes for a Deployment, StatefulSet or ReplicaSet; `before` is the stored object on update. */
export function validateWorkload(object: JsonObject, before?: JsonObject): FieldCause[] {
  const causes: FieldCause[] = [];
  const name = field(object, 'metadata', 'name');
  if (typeof name !== 'string' || name === '') causes.push(required('metadata.name'));
  else if (!DNS_SUBDOMAIN.test(name) || name.length > 253) {
    causes.push(
      invalidValue(
        'metadata.name',
        JSON.stringify(name),
        "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'",
      ),
    );
  }
  const spec = field(object, 'spec');
  if (!isObject(spec)) return [...causes, required('spec')];
  const replicas = spec['replicas'];
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    causes.push(
      invalidValue('spec.replicas', JSON.stringify(replicas), 'must be greater than or equal to 0'),
    );
  }
  const selector = spec['selector'];
  const labels = stringMap(field(spec, 'template', 'metadata', 'labels'));
  const query = selectorToQuery(selector);
  if (!isObject(selector)) causes.push(required('spec.selector'));
  else if (query === '')
    causes.push(invalidValue('spec.selector', '{}', 'empty selector is invalid for deployment'));
  else if (!parseLabelSelector(query)({ metadata: { labels } })) {
    causes.push(
      invalidValue(
        'spec.template.metadata.labels',
        goMap(labels),
        '`selector` does not match template `labels`',
      ),
    );
  }
  if (before && !deepEqual(field(before, 'spec', 'selector'), selector)) {
    causes.push(invalidValue('spec.selector', JSON.stringify(selector), 'field is immutable'));
  }
  const podSpec = field(spec, 'template', 'spec');
  if (!isObject(podSpec)) causes.push(required('spec.template.spec'));
  else validateContainers(podSpec, causes);
  const deadline = spec['progressDeadlineSeconds'];
  if (deadline !== undefined && (typeof deadline !== 'number' || deadline <= 0)) {
    causes.push(
      invalidValue(
        'spec.progressDeadlineSeconds',
        JSON.stringify(deadline),
        'must be greater than minReadySeconds',
      ),
    );
  }
  return causes;
}
