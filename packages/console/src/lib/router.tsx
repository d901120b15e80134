import { type AnchorHTMLAttributes, type MouseEvent, useSyncExternalStore } from "react";

/** The console's own URLs live under this path (vite.config.ts `base`). */
export const BASE = "/console";

const listeners = new Set<() => void>();
let moved = false;
window.addEventListener("popstate", () => {
  moved = true;
  for (const listener of listeners) listener();
});

/** Whether the user has gone to another page in place (not the first load of the console). */
export function hasNavigated(): boolean {
  return moved;
}

function subscribe(listener: () => void) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

/** The path inside the console ("/incidents/abc"), without the base. */
function currentPath(): string {
  const path = window.location.pathname.replace(/^\/console/, "");
  return path === "" ? "/" : path;
}

export function usePath(): string {
  return useSyncExternalStore(subscribe, currentPath);
}

export function navigate(path: string): void {
  window.history.pushState(null, "", `${BASE}${path}`);
  moved = true;
  for (const listener of listeners) listener();
  window.scrollTo(0, 0);
}

/** Matches "/incidents/:id"-style patterns; returns the parameters or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split("/");
  const have = path.split("/");
  if (want.length !== have.length) return null;
  const params: Record<string, string> = {};
  for (const [index, part] of want.entries()) {
    const actual = have[index] ?? "";
    if (part.startsWith(":")) params[part.slice(1)] = decodeURIComponent(actual);
    else if (part !== actual) return null;
  }
  return params;
}

type LinkProps = AnchorHTMLAttributes<HTMLAnchorElement> & { to: string };

/** An ordinary link (keyboard, middle-click, copy address) that navigates in place. */
export function Link({ to, onClick, ...props }: LinkProps) {
  const follow = (event: MouseEvent<HTMLAnchorElement>) => {
    onClick?.(event);
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey) return;
    if (event.shiftKey || event.altKey) return;
    event.preventDefault();
    navigate(to);
  };
  const current = usePath() === to;
  return (
    <a
      href={`${BASE}${to}`}
      onClick={follow}
      aria-current={current ? "page" : undefined}
      {...props}
    />
  );
}
