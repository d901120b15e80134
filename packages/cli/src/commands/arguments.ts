import { InvalidArgumentError } from "commander";

/** A `--grace`-style option: a whole number of seconds, 0 or more. */
export function seconds(text: string): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < 0) {
    throw new InvalidArgumentError("a whole number of seconds");
  }
  return value;
}

/** A rotation's body: the grace period when one was given, else none (the service's default). */
export function graceBody(grace: number | undefined): { body?: { graceSeconds: number } } {
  return grace !== undefined ? { body: { graceSeconds: grace } } : {};
}
