// Entry of the public yearly figures page (figures.html, served at /figures).
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { FiguresApp } from './figures-app.js';
import '../statistics/statistics.css';
import './figures.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <FiguresApp />
  </StrictMode>,
);
