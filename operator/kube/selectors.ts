/**
 * Label selectors in their string form, for filtering cached objects the way the server filters
 * lists: `a=b`, `a==b`, `a!=b`, `a in (x,y)`, `a notin (x)`, `a` (exists), `!a` (absent).
 */
export interface Requirement {
  readonly key: string;
  readonly op: 'eq' | 'neq' | 'in' | 'notin' | 'exists' | 'absent';
  readonly values: readonly string[];
}

export function parseSelector(selector: string): Requirement[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of selector) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts.map((p) => p.trim()).filter((p) => p !== '').map(parseRequirement);
}

function parseRequirement(text: string): Requirement {
  const set = /^(\S+)\s+(in|notin)\s*\(([^)]*)\)$/.exec(text);
  if (set !== null) {
    const values = (set[3] ?? '').split(',').map((v) => v.trim()).filter((v) => v !== '');
    return { key: set[1] as string, op: set[2] === 'in' ? 'in' : 'notin', values };
  }
  const neq = /^([^!=\s]+)\s*!=\s*(\S*)$/.exec(text);
  if (neq !== null) return { key: neq[1] as string, op: 'neq', values: [neq[2] as string] };
  const eq = /^([^!=\s]+)\s*==?\s*(\S*)$/.exec(text);
  if (eq !== null) return { key: eq[1] as string, op: 'eq', values: [eq[2] as string] };
  if (text.startsWith('!')) return { key: text.slice(1).trim(), op: 'absent', values: [] };
  return { key: text, op: 'exists', values: [] };
}

export function matchesSelector(requirements: readonly Requirement[], labels: Readonly<Record<string, string>> | undefined): boolean {
  return requirements.every((r) => {
    const value = labels?.[r.key];
    switch (r.op) {
      case 'eq':
        return value === r.values[0];
      case 'neq':
        return value !== r.values[0];
      case 'in':
        return value !== undefined && r.values.includes(value);
      case 'notin':
        return value === undefined || !r.values.includes(value);
      case 'exists':
        return value !== undefined;
      case 'absent':
        return value === undefined;
    }
  });
}
