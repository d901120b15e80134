import { listServicesOptions, listTeamsOptions } from "@sqibs/api-client/react-query";
import { useQuery } from "@tanstack/react-query";

/** The account's teams and services by id: their names, or the id until the lists arrive. */
export function useNames() {
  const teams = useQuery(listTeamsOptions());
  const services = useQuery(listServicesOptions());
  const nameIn = (items: Array<{ id: string; name: string }> | undefined, id?: string) =>
    items?.find((item) => item.id === id)?.name ?? id ?? "—";
  return {
    teamName: (id?: string) => nameIn(teams.data?.items, id),
    serviceName: (id?: string) => nameIn(services.data?.items, id),
  };
}
