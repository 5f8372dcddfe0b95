// Entry of the public report form (report.html, served at /report).
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { ReportApp } from './report-app.js';
// The self-submission page's base styles (colours, cards, buttons), then the form's own.
import '../styles.css';
import './report.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <ReportApp />
  </StrictMode>,
);
