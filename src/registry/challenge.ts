/**
 * `WWW-Authenticate` parsing (RFC 9110 §11.6.1). One header can hold several challenges
 * (Codeberg sends `Bearer realm=…,scope="*",Basic realm=…`), and Node joins repeated headers with
 * ", ", so the parser reads a list, not a single challenge.
 */

export interface Challenge {
  /** Lower-case scheme: `basic`, `bearer`, … */
  scheme: string;
  /** Parameter names in lower case; values unquoted. */
  params: Record<string, string>;
}

const TOKEN = /[!#$%&'*+.^_`|~0-9A-Za-z-]+/y;

export function parseChallenges(header: string | string[] | undefined): Challenge[] {
  if (header === undefined) return [];
  const text = Array.isArray(header) ? header.join(', ') : header;
  const challenges: Challenge[] = [];
  let pos = 0;

  const skip = (chars: RegExp) => {
    while (pos < text.length && chars.test(text[pos]!)) pos++;
  };
  const read = (re: RegExp): string | undefined => {
    re.lastIndex = pos;
    const m = re.exec(text);
    if (!m) return undefined;
    pos = re.lastIndex;
    return m[0];
  };
  const readQuoted = (): string => {
    // Caller saw the opening quote.
    pos++;
    let out = '';
    while (pos < text.length && text[pos] !== '"') {
      if (text[pos] === '\\' && pos + 1 < text.length) pos++;
      out += text[pos++];
    }
    pos++; // closing quote (or end of text)
    return out;
  };

  while (pos < text.length) {
    skip(/[\s,]/);
    const scheme = read(TOKEN);
    if (!scheme) {
      pos++; // garbage: step over it rather than loop forever
      continue;
    }
    const challenge: Challenge = { scheme: scheme.toLowerCase(), params: {} };
    challenges.push(challenge);
    for (;;) {
      const before = pos;
      skip(/[\s,]/);
      const name = read(TOKEN);
      if (!name) {
        pos = before;
        break;
      }
      skip(/[ \t]/);
      if (text[pos] !== '=') {
        // A token without '=' starts the next challenge. (token68 credentials, as in
        // `Negotiate abc==`, never carry what a registry client needs.)
        pos = before;
        break;
      }
      pos++; // '='
      skip(/[ \t]/);
      const value = text[pos] === '"' ? readQuoted() : (read(/[^\s,]+/y) ?? '');
      challenge.params[name.toLowerCase()] = value;
    }
  }
  return challenges;
}
