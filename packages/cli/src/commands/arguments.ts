import { InvalidArgumentError } from "commander";
import { CliError } from "../errors.js";

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

/**
 * The scope that `--scope` names, with the team or service of a team or service scope:
 * `--team` and `--service` each go with their own scope, and only with it.
 */
export function scopeOf<Scope extends string>(options: {
  scope: Scope;
  team?: string;
  service?: string;
}):
  | { scope: "team"; teamId: string }
  | { scope: "service"; serviceId: string }
  | { scope: Exclude<Scope, "team" | "service"> } {
  for (const [flag, scope, given] of [
    ["--team <teamId>", "team", options.team],
    ["--service <serviceId>", "service", options.service],
  ] as const) {
    if ((options.scope === scope) !== (given !== undefined)) {
      throw new CliError(`${flag} goes with --scope ${scope}, and only with it`);
    }
  }
  if (options.scope === "team") return { scope: "team", teamId: options.team as string };
  if (options.scope === "service") {
    return { scope: "service", serviceId: options.service as string };
  }
  return { scope: options.scope as Exclude<Scope, "team" | "service"> };
}
