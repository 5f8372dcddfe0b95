import { defineConfig } from 'vite';

// Four pages, each its own entry: the self-submission page (index.html, at /), the public report
// form (report.html, at /report), the analyst workbench (workbench.html, at /workbench) and the
// public yearly figures (figures.html, at /figures). One origin, no CDN, no inline scripts or styles (the server's CSP
// allows 'self' only). Workspace packages are bundled from their TypeScript sources.
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  resolve: { conditions: ['@hashline/source'] },
  oxc: { jsx: { runtime: 'automatic' } },
  worker: { format: 'es' },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    modulePreload: { polyfill: false },
    // Never inline assets as data: URLs into scripts; keep every asset a same-origin file.
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: false,
    rollupOptions: {
      input: {
        index: `${import.meta.dirname}/index.html`,
        report: `${import.meta.dirname}/report.html`,
        workbench: `${import.meta.dirname}/workbench.html`,
        figures: `${import.meta.dirname}/figures.html`,
      },
    },
  },
});
