import type { TokenScope } from "@sqibs/api-client";
import { listServicesOptions, listTeamsOptions } from "@sqibs/api-client/react-query";
import { useQuery } from "@tanstack/react-query";
import { type ReactNode, useState } from "react";
import { useTranslation } from "react-i18next";
import { SelectField } from "./ui/Field";

/**
 * The team or service that a team- or service-scoped token, webhook or new service names:
 * the picker for it, and the id chosen (the first of the list until the user picks one;
 * teams list the default team first). No picker, and no id, for the other scopes; `ready`
 * once the scope has what it needs.
 */
export function useScopeTarget(scope: string): {
  targetId: string;
  picker: ReactNode;
  ready: boolean;
} {
  const { t } = useTranslation();
  const teams = useQuery(listTeamsOptions());
  const services = useQuery(listServicesOptions());
  const [chosen, setChosen] = useState("");
  const named = scope === "team" || scope === "service";
  const items = scope === "team" ? teams.data?.items : services.data?.items;
  if (!named || !items) return { targetId: "", picker: null, ready: !named };
  const targetId = items.some((item) => item.id === chosen) ? chosen : (items[0]?.id ?? "");
  const picker = (
    <SelectField
      label={t(`scope.${scope}`)}
      value={targetId}
      onChange={(event) => setChosen(event.target.value)}
    >
      {items.map((item) => (
        <option key={item.id} value={item.id}>
          {item.name}
        </option>
      ))}
    </SelectField>
  );
  return { targetId, picker, ready: targetId !== "" };
}

/** A scope with the id it names: `teamId` for team, `serviceId` for service, none otherwise. */
export type Scoped<S extends TokenScope> = S extends "team"
  ? { scope: S; teamId: string }
  : S extends "service"
    ? { scope: S; serviceId: string }
    : { scope: S };

/**
 * The scope of a new token or webhook: its select (with a hint per scope, if given) and the
 * team or service picker it needs; `scoped` is what the create body takes.
 */
export function useScopeFields<S extends TokenScope>(
  scopes: readonly S[],
  hint?: (scope: S) => string,
): { fields: ReactNode; scoped: Scoped<S>; ready: boolean } {
  const { t } = useTranslation();
  const [scope, setScope] = useState<S>(scopes[0] as S);
  const { targetId, picker, ready } = useScopeTarget(scope);
  const scoped = (
    scope === "team"
      ? { scope, teamId: targetId }
      : scope === "service"
        ? { scope, serviceId: targetId }
        : { scope }
  ) as Scoped<S>;
  const fields = (
    <>
      <SelectField
        label={t("scope.label")}
        hint={hint?.(scope)}
        value={scope}
        onChange={(event) => setScope(event.target.value as S)}
      >
        {scopes.map((value: TokenScope) => (
          <option key={value} value={value}>
            {t(`scope.${value}`)}
          </option>
        ))}
      </SelectField>
      {picker}
    </>
  );
  return { fields, scoped, ready };
}
