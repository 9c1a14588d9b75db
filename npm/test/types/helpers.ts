// Shared by the type tests: exact-type assertions and a hand-written Standard Schema.
import type { StandardSchemaV1 } from '../../src/index.js';

/** Compiles only when `A` and `B` are the same type (not merely assignable). */
export type Equal<A, B> = (<X>() => X extends A ? 1 : 2) extends <X>() => X extends B ? 1 : 2 ? true : false;
export const assertType = <T extends true>(_: T): void => {};
/** Compiles only when the argument's type is exactly `T`. */
export function exactly<T>() {
  return <V>(_value: V, ..._check: Equal<V, T> extends true ? [] : [never]): void => {};
}

export interface Price {
  symbol: string;
  value: number;
}
export interface News {
  title: string;
}

/** A minimal Standard Schema, as a library would produce it. */
export function schema<O>(check: (v: unknown) => v is O): StandardSchemaV1<unknown, O> {
  return {
    '~standard': {
      version: 1,
      vendor: 'test',
      validate: (value) => (check(value) ? { value } : { issues: [{ message: 'invalid' }] }),
    },
  };
}
export const PriceSchema = schema((v): v is Price => typeof v === 'object' && v !== null && 'value' in v);
export const NewsSchema = schema((v): v is News => typeof v === 'object' && v !== null && 'title' in v);
