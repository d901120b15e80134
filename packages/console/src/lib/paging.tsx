import type { InfiniteData } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { Button } from "../components/ui/Button";

/** Cursor paging for the generated infinite-query options: the first page has no cursor. */
export const CURSOR_PAGING = {
  initialPageParam: undefined as unknown as string,
  getNextPageParam: (page: { nextCursor?: string }) => page.nextCursor,
};

/** Every item of the pages loaded so far, newest first as the API lists them. */
export function itemsOf<T>(data: InfiniteData<{ items: T[] }> | undefined): T[] {
  return data?.pages.flatMap((page) => page.items) ?? [];
}

/** "Show more" while the API has another page. */
export function MoreButton({
  query,
}: {
  query: { hasNextPage: boolean; isFetchingNextPage: boolean; fetchNextPage: () => unknown };
}) {
  const { t } = useTranslation();
  if (!query.hasNextPage) return null;
  return (
    <Button onClick={() => void query.fetchNextPage()} disabled={query.isFetchingNextPage}>
      {t("common.more")}
    </Button>
  );
}
