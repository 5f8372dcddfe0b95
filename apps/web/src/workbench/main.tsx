// Entry of the analyst workbench (workbench.html, served at /workbench).
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { WorkbenchApp } from './workbench-app.js';
import './workbench.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <WorkbenchApp />
  </StrictMode>,
);
