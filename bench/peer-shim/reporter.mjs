// bench/peer-shim/reporter.mjs: a vitest reporter that writes, for
// bench/peer-suite's summary, each test's outcome and why it failed.
// Verdaccio's harness rejects with a plain object ({stdout, stderr: Error}),
// which vitest's JSON reporter turns into null; this one keeps the client's
// output (npm's JSON error names the request and the registry's answer).
import fs from 'node:fs';
import path from 'node:path';

function reason(err) {
    if (!err) {
        return '';
    }
    const parts = [];
    if (err.stdout) {
        parts.push(String(err.stdout));
    }
    const inner = err.stderr && typeof err.stderr === 'object' ? err.stderr.message : err.stderr;
    if (inner) {
        parts.push(String(inner));
    }
    if (err.message) {
        parts.push(String(err.message));
    }
    return parts.join('\n');
}

export default class PeerReporter {
    constructor(options = {}) {
        this.out = options.outputFile || process.env.TSR_PEER_REPORT;
    }

    onTestRunEnd(testModules) {
        const tests = [];
        for (const mod of testModules) {
            const file = path.basename(mod.moduleId);
            // Errors of the file itself: its beforeAll/afterAll hooks.
            const hook = mod.errors().map(reason).join('\n');
            for (const t of mod.children.allTests()) {
                const r = t.result();
                tests.push({
                    file,
                    name: t.fullName,
                    state: r.state,
                    why: (r.errors || []).map(reason).join('\n') || (r.state !== 'passed' ? hook : ''),
                });
            }
            if (hook && tests.filter((t) => t.file === file).length === 0) {
                tests.push({ file, name: '(file)', state: 'failed', why: hook });
            }
        }
        fs.writeFileSync(this.out, JSON.stringify(tests, null, 2) + '\n');
    }
}
