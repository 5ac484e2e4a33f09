/**
 * A config value that must not leak: it prints as `<redacted>` in logs (JSON and util.inspect), in
 * GET_BROKER_CONFIG answers and in error messages; only `reveal()` gives the text. An empty secret
 * means "not configured" and prints as ''.
 */
import { inspect } from 'node:util';

export class Secret {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  get isSet(): boolean {
    return this.#value !== '';
  }

  toString(): string {
    return this.#value === '' ? '' : '<redacted>';
  }

  toJSON(): string {
    return this.toString();
  }

  [inspect.custom](): string {
    return `Secret(${this.toString()})`;
  }
}

export function secret(value: string): Secret {
  return new Secret(value);
}
