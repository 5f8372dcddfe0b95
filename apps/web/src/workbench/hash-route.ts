// A tiny router on the URL fragment: report ids stay in the browser (a fragment is never sent to
// the server or written in its access logs), and no router library is needed.
import { useEffect, useState } from 'react';

/** The workbench's pages. */
export type Route =
  | { readonly page: 'queue' }
  | { readonly page: 'report'; readonly reportId: string }
  | { readonly page: 'security' }
  | { readonly page: 'statistics' }
  | { readonly page: 'audit' }
  | { readonly page: 'analysts' }
  | { readonly page: 'exchanges' }
  | { readonly page: 'exposure' };

/** Reads a route from a fragment such as `#/reports/01J…`; anything unknown is the queue. */
export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  if (parts[0] === 'reports' && parts[1]) return { page: 'report', reportId: parts[1] };
  if (parts[0] === 'security') return { page: 'security' };
  if (parts[0] === 'statistics') return { page: 'statistics' };
  if (parts[0] === 'exposure') return { page: 'exposure' };
  if (parts[0] === 'admin' && parts[1] === 'audit') return { page: 'audit' };
  if (parts[0] === 'admin' && parts[1] === 'analysts') return { page: 'analysts' };
  if (parts[0] === 'admin' && parts[1] === 'exchanges') return { page: 'exchanges' };
  return { page: 'queue' };
}

/** The fragment of a route (for links). */
export function hrefOf(route: Route): string {
  switch (route.page) {
    case 'report':
      return `#/reports/${encodeURIComponent(route.reportId)}`;
    case 'security':
      return '#/security';
    case 'statistics':
      return '#/statistics';
    case 'exposure':
      return '#/exposure';
    case 'audit':
      return '#/admin/audit';
    case 'analysts':
      return '#/admin/analysts';
    case 'exchanges':
      return '#/admin/exchanges';
    default:
      return '#/queue';
  }
}

/** The current route; follows back/forward and links. */
export function useRoute(): Route {
  const [route, setRoute] = useState<Route>(() => parseRoute(location.hash));
  useEffect(() => {
    const follow = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', follow);
    return () => removeEventListener('hashchange', follow);
  }, []);
  return route;
}
