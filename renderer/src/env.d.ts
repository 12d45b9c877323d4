// Modules Vite resolves that TypeScript alone does not know.
declare module '*.svelte' {
  import type { Component } from 'svelte';
  const component: Component;
  export default component;
}
declare module '*.css';
