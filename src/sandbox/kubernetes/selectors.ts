import { field, isObject, stringMap, type Json, type JsonObject } from './json';

/**
 * Label and field selectors of list and watch requests (k8s.io/apimachinery/pkg/labels and
 * fields). Label terms: `k`, `!k`, `k=v`, `k==v`, `k!=v`, `k in (a,b)`, `k notin (a,b)`, joined by
 * commas; `!=` and `notin` also match objects without the label. The only fields a workload can be
 * selected by are its name and namespace.
 */

type LabelTerm =
  { op: 'exists' | 'absent'; key: string } | { op: 'in' | 'notin'; key: string; values: string[] };

export type Matcher = (object: JsonObject) => boolean;

export class SelectorError extends Error {}

function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(current);
      current = '';
    } else current += ch;
  }
  terms.push(current);
  return terms.map((t) => t.trim()).filter((t) => t !== '');
}

function parseLabelTerm(term: string): LabelTerm {
  const set = /^(\S+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(term);
  if (set) {
    const values = set[3]!.split(',').map((v) => v.trim());
    return { op: set[2] === 'in' ? 'in' : 'notin', key: set[1]!, values };
  }
  const cmp = /^([^=!\s]+)\s*(==|=|!=)\s*([^=!\s]*)$/.exec(term);
  if (cmp) return { op: cmp[2] === '!=' ? 'notin' : 'in', key: cmp[1]!, values: [cmp[3]!] };
  if (/^![^=!\s(),]+$/.test(term)) return { op: 'absent', key: term.slice(1) };
  if (/^[^=!\s(),]+$/.test(term)) return { op: 'exists', key: term };
  throw new SelectorError(`unable to parse requirement: ${term}`);
}

export function parseLabelSelector(text: string | null): Matcher {
  if (!text) return () => true;
  const terms = splitTerms(text).map(parseLabelTerm);
  return (object) => {
    const labels = stringMap(field(object, 'metadata', 'labels'));
    return terms.every((t) => {
      const value = labels[t.key];
      switch (t.op) {
        case 'exists':
          return value !== undefined;
        case 'absent':
          return value === undefined;
        case 'in':
          return value !== undefined && t.values.includes(value);
        case 'notin':
          return value === undefined || !t.values.includes(value);
      }
    });
  };
}

const SELECTABLE_FIELDS: Record<string, (o: JsonObject) => Json | undefined> = {
  'metadata.name': (o) => field(o, 'metadata', 'name'),
  'metadata.namespace': (o) => field(o, 'metadata', 'namespace'),
};

export function parseFieldSelector(text: string | null): Matcher {
  if (!text) return () => true;
  const terms = splitTerms(text).map((term) => {
    const m = /^([^=!]+)(==|=|!=)(.*)$/.exec(term);
    if (!m) throw new SelectorError(`invalid selector: '${text}'; can't understand '${term}'`);
    const read = SELECTABLE_FIELDS[m[1]!.trim()];
    if (!read) throw new SelectorError(`field label not supported: ${m[1]!.trim()}`);
    return { read, negate: m[2] === '!=', value: m[3]!.trim() };
  });
  return (object) => terms.every((t) => (t.read(object) === t.value) !== t.negate);
}

/** A `spec.selector` (matchLabels + matchExpressions) as the query string kubectl sends for it. */
export function selectorToQuery(selector: Json | undefined): string {
  if (!isObject(selector)) return '';
  const parts = Object.entries(stringMap(selector['matchLabels'])).map(([k, v]) => `${k}=${v}`);
  const expressions = Array.isArray(selector['matchExpressions']) ? selector['matchExpressions'] : [];
  for (const e of expressions) {
    if (!isObject(e) || typeof e['key'] !== 'string') continue;
    const values = Array.isArray(e['values']) ? e['values'].map(String) : [];
    if (e['operator'] === 'In') parts.push(`${e['key']} in (${values.join(',')})`);
    if (e['operator'] === 'NotIn') parts.push(`${e['key']} notin (${values.join(',')})`);
    if (e['operator'] === 'Exists') parts.push(e['key']);
    if (e['operator'] === 'DoesNotExist') parts.push(`!${e['key']}`);
  }
  return parts.join(',');
}
