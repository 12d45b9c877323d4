#!/usr/bin/env node
// The `labbench` command. The sources are TypeScript, loaded through tsx's ESM hook so that
// `npx labbench` works right after `npm ci` with no build step.
import { register } from 'tsx/esm/api';

register();
await import('../app/cli.ts');
