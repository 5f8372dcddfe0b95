// A test page that mounts the statistics dashboard alone, for the browser test, until (and besides)
// the workbench mounts it as a tab. It reads the signed-in session (the test signs in first) and
// renders <StatisticsDashboard csrfToken=… />, as the workbench does.
import { createElement, StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { StatisticsDashboard } from '../../src/statistics/index.js';

const root = createRoot(document.getElementById('root')!);
void fetch('/v1/workbench/session', { credentials: 'same-origin' })
  .then((response) =>
    response.ok
      ? (response.json() as Promise<{ csrfToken: string }>)
      : Promise.reject(new Error(String(response.status))),
  )
  .then(
    (session) =>
      root.render(
        createElement(StrictMode, null, createElement(StatisticsDashboard, { csrfToken: session.csrfToken })),
      ),
    (error: unknown) =>
      root.render(createElement('p', { role: 'alert' }, `Not signed in (${String(error)})`)),
  );
