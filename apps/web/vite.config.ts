import { defineConfig } from 'vite';

// The self-submission page: one origin, no CDN, no inline scripts or styles (the server's CSP
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
  },
});
