// The workbench's statistics tab: mount <StatisticsDashboard csrfToken={session.csrfToken} />.
export { StatisticsDashboard } from './statistics-dashboard.js';
