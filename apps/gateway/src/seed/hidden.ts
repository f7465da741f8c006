import { inspect } from 'node:util';

/**
 * A secret read from a seed file. It prints as `[hidden]` however it is logged, serialised or
 * inspected, so that a plan or an error object that carries it can never spill it; only
 * `reveal()` hands the value to the code that stores it.
 */
export class Hidden<T> {
  readonly #value: T;

  constructor(value: T) {
    this.#value = value;
  }

  reveal(): T {
    return this.#value;
  }

  toString(): string {
    return '[hidden]';
  }

  toJSON(): string {
    return '[hidden]';
  }

  [inspect.custom](): string {
    return '[hidden]';
  }
}
