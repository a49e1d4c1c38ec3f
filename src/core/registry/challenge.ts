/**
 * `WWW-Authenticate` challenges (RFC 9110 §11.6.1) as registries send them:
 * `Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="…"`
 * or `Basic realm="Registry Realm"`, possibly several in one header.
 */

export interface AuthChallenge {
  /** Lowercased scheme: `bearer`, `basic`, … */
  readonly scheme: string;
  /** Parameters by lowercased name, quoted strings unescaped. */
  readonly params: Readonly<Record<string, string>>;
  /** The token68 form (`Negotiate abc==`), when the challenge has one instead of parameters. */
  readonly token68: string | undefined;
}

const TOKEN_CHAR = /[!#$%&'*+.^_`|~0-9A-Za-z-]/;
const TOKEN68 = /^[A-Za-z0-9._~+/-]+=*/;

/**
 * Parses one or more `WWW-Authenticate` header values. Unparseable tails are dropped
 * rather than guessed at: a challenge with a broken parameter list keeps what came before.
 */
export function parseAuthenticate(header: string | readonly string[] | undefined): AuthChallenge[] {
  if (header === undefined) return [];
  const text = typeof header === 'string' ? header : header.join(', ');
  const challenges: AuthChallenge[] = [];
  let i = 0;
  const skip = (chars: RegExp): void => { while (i < text.length && chars.test(text.charAt(i))) i++; };
  const token = (): string => {
    const start = i;
    while (i < text.length && TOKEN_CHAR.test(text.charAt(i))) i++;
    return text.slice(start, i);
  };
  const quoted = (): string | undefined => {
    // At the opening quote.
    i++;
    let value = '';
    while (i < text.length) {
      const c = text.charAt(i);
      if (c === '\\' && i + 1 < text.length) { value += text.charAt(i + 1); i += 2; continue; }
      if (c === '"') { i++; return value; }
      value += c;
      i++;
    }
    return undefined;
  };

  while (i < text.length) {
    skip(/[\s,]/);
    const scheme = token();
    if (scheme === '') break;
    const params: Record<string, string> = {};
    let token68: string | undefined;
    skip(/[ \t]/);
    // token68, unless it is the first `name=` of a parameter list.
    const rest = text.slice(i);
    const t68 = TOKEN68.exec(rest);
    if (t68 && !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+\s*=\s*[^=\s,]/.test(rest) && (t68[0].length === rest.length || /^[\s,]/.test(rest.slice(t68[0].length)))) {
      token68 = t68[0];
      i += t68[0].length;
    } else {
      for (;;) {
        skip(/[\s,]/);
        const start = i;
        const name = token();
        skip(/[ \t]/);
        if (name === '' || text.charAt(i) !== '=') { i = start; break; }
        i++;
        skip(/[ \t]/);
        const value = text.charAt(i) === '"' ? quoted() : token();
        if (value === undefined) { i = text.length; break; }
        params[name.toLowerCase()] = value;
      }
    }
    challenges.push({ scheme: scheme.toLowerCase(), params, token68 });
  }
  return challenges;
}
