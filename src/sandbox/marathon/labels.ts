/**
 * Marathon's label selector (`GET /v2/apps?label=...`): `key`, `key==v`, `key!=v`, `key in (a,b)`,
 * `key notin (a,b)`; a comma means AND; a backslash escapes the next character.
 */

type Term =
  | { kind: 'exists'; key: string }
  | { kind: 'eq' | 'ne'; key: string; value: string }
  | { kind: 'in' | 'notin'; key: string; values: string[] };

/** Splits on unescaped `sep` outside parentheses; escapes are kept for the next stage. */
function splitTop(text: string, sep: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (ch === '\\' && i + 1 < text.length) {
      current += ch + text[i + 1];
      i++;
      continue;
    }
    if (ch === '(') depth++;
    if (ch === ')') depth = Math.max(0, depth - 1);
    if (ch === sep && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts;
}

function unescape(text: string): string {
  return text.trim().replace(/\\(.)/g, '$1');
}

function parseTerm(raw: string): Term | undefined {
  const text = raw.trim();
  if (text === '') return undefined;
  const set = /^((?:\\.|[^\s\\])+)\s+(in|notin)\s+\((.*)\)$/.exec(text);
  if (set) {
    return {
      kind: set[2] === 'in' ? 'in' : 'notin',
      key: unescape(set[1]!),
      values: splitTop(set[3]!, ',').map(unescape),
    };
  }
  const cmp = /^((?:\\.|[^=!\\])+)(==|!=)(.*)$/.exec(text);
  if (cmp) return { kind: cmp[2] === '==' ? 'eq' : 'ne', key: unescape(cmp[1]!), value: unescape(cmp[3]!) };
  return { kind: 'exists', key: unescape(text) };
}

export function parseLabelSelector(selector: string): Term[] {
  return splitTop(selector, ',')
    .map(parseTerm)
    .filter((t): t is Term => t !== undefined);
}

export function matchesLabels(terms: Term[], labels: Record<string, unknown>): boolean {
  return terms.every((term) => {
    const value = labels[term.key];
    const present = typeof value === 'string';
    switch (term.kind) {
      case 'exists':
        return present;
      case 'eq':
        return present && value === term.value;
      case 'ne':
        return present && value !== term.value;
      case 'in':
        return present && term.values.includes(value);
      case 'notin':
        return present && !term.values.includes(value);
    }
  });
}
