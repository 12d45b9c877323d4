// The renderer's build: one static folder (renderer/dist) that `labbench serve` and the
// Electron shell both load. Relative asset paths, so either origin works; no inline script
// or style in the output, so the strict CSP holds.
import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';
import { fileURLToPath } from 'node:url';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: './',
  plugins: [svelte()],
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // Inlined assets would be data: URLs in scripts and styles; keep everything a file.
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 1000,
  },
});
