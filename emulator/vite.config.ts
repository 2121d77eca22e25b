/**
 * The emulator page: emulator/ → dist/emulator, served by the app at /emulator. Everything is bundled (no CDN), so
 * the page works offline. `vite --config emulator/vite.config.ts` serves it for development, forwarding the API to
 * an app on :3000.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/emulator/',
  publicDir: false,
  logLevel: 'warn',
  build: {
    outDir: fileURLToPath(new URL('../dist/emulator', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // the page's CSP forbids inline scripts and styles: keep every asset a file
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  server: { proxy: { '/emulator/api': 'http://127.0.0.1:3000' } },
});
