// bench/peer-shim/vitest.config.mjs: the vitest configuration bench/peer-suite
// runs Verdaccio's e2e CLI tests with.  It is Verdaccio's own (globals on)
// plus three things: its workspace packages are found in the copy of e2e/cli
// named by TSR_PEER_E2E; cli-commons' registry start-up ('./registry') and
// the 'verdaccio' package resolve to tsr-registry.mjs beside this file, so
// each describe block gets a fresh mod_tsci_registry instead of a Verdaccio;
// and test files run one at a time, since each starts a server in the
// port band.
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { defineConfig } from 'vitest/config';

const here = path.dirname(fileURLToPath(import.meta.url));
const shim = path.join(here, 'tsr-registry.mjs');
const e2e = process.env.TSR_PEER_E2E;
if (!e2e) {
    throw new Error('TSR_PEER_E2E is not set (run bench/peer-suite)');
}
const commons = path.join(e2e, 'cli-commons', 'src') + path.sep;

export default defineConfig({
    plugins: [
        {
            name: 'tsr-peer-shim',
            enforce: 'pre',
            resolveId(source, importer) {
                if (source === 'verdaccio') {
                    return shim;
                }
                if (source === './registry' && importer && importer.startsWith(commons)) {
                    return shim;
                }
                return null;
            },
        },
    ],
    resolve: {
        alias: {
            '@verdaccio/test-cli-commons': path.join(commons, 'index.ts'),
            '@verdaccio/e2e-cli-npm-common': path.join(e2e, 'e2e-npm-commons', 'index.ts'),
            '@verdaccio/e2e-cli-pnpm-common': path.join(e2e, 'e2e-pnpm-commons', 'index.ts'),
        },
    },
    test: {
        globals: true,
        fileParallelism: false,
        hookTimeout: 120000,
    },
});
