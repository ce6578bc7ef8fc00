#!/usr/bin/env node
// The `cellbridge` command (package.json "bin"): runs the TypeScript CLI through tsx, found
// beside this package rather than wherever the caller stands.
import { register } from 'tsx/esm/api';

register();
await import('./main.ts');
