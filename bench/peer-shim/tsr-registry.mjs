// bench/peer-shim/tsr-registry.mjs: what bench/peer-suite puts in place of
// Verdaccio's registry start-up in its e2e CLI tests.  Their cli-commons
// module starts a Verdaccio per describe block (initialSetup(), then
// registry.init(), registry.stop()); this file gives them, under the same
// names, a fresh Apache httpd with mod_tsci_registry instead: its own data
// directory, signup on, and the user Verdaccio's harness creates (foo,
// password 12345) signed up through the registry's own login endpoint.
//
// It is loaded by vitest (bench/peer-shim/vitest.config.mjs maps both
// cli-commons' './registry' and the 'verdaccio' package here) and takes its
// settings from the environment bench/peer-suite sets:
//   TSR_PEER_HTTPD   the httpd binary
//   TSR_PEER_MODULE  mod_tsci_registry.so
//   TSR_PEER_MODDIR  httpd's module directory (mpm_event, authz_core)
//   TSR_PEER_PORTS   the port band, "first-last"
//   TSR_PEER_RUN     where each registry gets a folder (config, logs, data)
//   TSR_PEER_DUMPIO  if set, mod_dumpio logs every request and response body
//   TSR_PEER_STRICT_SCOPES  if set, the harness's user is not an administrator
//                    (see init())
//   TSR_PEER_SEED    if set, a folder of .tgz files published into each new
//                    registry before its tests run (bench/peer-suite --seed)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import net from 'node:net';
import crypto from 'node:crypto';
import zlib from 'node:zlib';

function env(name) {
    const v = process.env[name];
    if (!v) {
        throw new Error(`tsr-registry shim: ${name} is not set (run bench/peer-suite)`);
    }
    return v;
}

// A synchronous pause: stop() must have the server gone before it returns,
// since the tests call it without waiting and the next file starts at once.
function pause(ms) {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function alive(pid) {
    try {
        process.kill(pid, 0);
        return true;
    } catch (e) {
        return e.code === 'EPERM';
    }
}

// The next port of the band, and a folder of its own.  Files of a suite run
// one after another (the config turns file parallelism off), but each in a
// fresh module context, so the counter lives in a file.
function nextSlot() {
    const run = env('TSR_PEER_RUN');
    const [first, last] = env('TSR_PEER_PORTS').split('-').map(Number);
    fs.mkdirSync(run, { recursive: true });
    const counter = path.join(run, 'counter');
    let n = 0;
    try {
        n = Number(fs.readFileSync(counter, 'utf8')) || 0;
    } catch (e) {
        /* first registry of the run */
    }
    fs.writeFileSync(counter, String(n + 1));
    const port = first + (n % (last - first + 1));
    const dir = path.join(run, `registry-${String(n).padStart(3, '0')}-${port}`);
    return { port, dir };
}

function waitForPort(port, until) {
    return new Promise((resolve, reject) => {
        const attempt = () => {
            const s = net.connect(port, '127.0.0.1');
            s.once('connect', () => {
                s.destroy();
                resolve();
            });
            s.once('error', () => {
                s.destroy();
                if (Date.now() > until) {
                    reject(new Error(`nothing answers on port ${port}`));
                } else {
                    setTimeout(attempt, 50);
                }
            });
        };
        attempt();
    });
}

async function call(base, method, p, body, token) {
    const headers = { 'content-type': 'application/json', accept: 'application/json' };
    if (token) {
        headers.authorization = `Bearer ${token}`;
    }
    const res = await fetch(base + p, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json;
    try {
        json = JSON.parse(text);
    } catch (e) {
        json = undefined;
    }
    return { status: res.status, text, json };
}

// package/package.json out of a .tgz, without a tar library: ustar headers
// are 512-byte blocks with the name at 0 and the octal size at 124.
function packageJsonOf(tgz) {
    const tar = zlib.gunzipSync(tgz);
    for (let off = 0; off + 512 <= tar.length; ) {
        const name = tar.subarray(off, off + 100).toString('utf8').replace(/\0.*$/s, '');
        if (!name) {
            break;
        }
        const size = parseInt(tar.subarray(off + 124, off + 136).toString('utf8').trim(), 8) || 0;
        if (/^[^/]+\/package\.json$/.test(name)) {
            return JSON.parse(tar.subarray(off + 512, off + 512 + size).toString('utf8'));
        }
        off += 512 + Math.ceil(size / 512) * 512;
    }
    throw new Error('no package.json in the tarball');
}

// The body npm publish sends for one tarball (npm-protocol.md 5.2).
function publishBody(tgz, base) {
    const pkg = packageJsonOf(tgz);
    const file = `${pkg.name.replace(/^@[^/]+\//, '')}-${pkg.version}.tgz`;
    const integrity = 'sha512-' + crypto.createHash('sha512').update(tgz).digest('base64');
    const shasum = crypto.createHash('sha1').update(tgz).digest('hex');
    const manifest = {
        ...pkg,
        _id: `${pkg.name}@${pkg.version}`,
        dist: { integrity, shasum, tarball: `${base}${pkg.name}/-/${file}` },
    };
    return {
        name: pkg.name,
        body: {
            _id: pkg.name,
            name: pkg.name,
            'dist-tags': { latest: pkg.version },
            versions: { [pkg.version]: manifest },
            access: null,
            _attachments: {
                [`${pkg.name}-${pkg.version}.tgz`]: {
                    content_type: 'application/octet-stream',
                    data: tgz.toString('base64'),
                    length: tgz.length,
                },
            },
        },
    };
}

export class Registry {
    constructor(configPath, options = {}) {
        this.configPath = configPath;
        this.createUser = options.createUser ?? false;
        this.credentials = options.credentials ?? { user: 'foo', password: '12345' };
        this.domain = 'localhost';
        // Verdaccio's harness asks get-port for any free port; ours must
        // stay inside the band bench/peer-suite was given.
        const slot = nextSlot();
        this.port = slot.port;
        this.dir = slot.dir;
        this.token = null;
        this.authstr = null;
        this.pid = null;
    }

    static async fromConfigToPath(config) {
        const tempFolder = fs.mkdtempSync(path.join(os.tmpdir(), 'registry-'));
        // Kept only so that a test that reads it finds a file: none of the
        // registry's behaviour comes from Verdaccio's configuration.
        const configPath = path.join(tempFolder, 'verdaccio-config.json');
        const yamlContent = JSON.stringify(config ?? {}, null, 2);
        fs.writeFileSync(configPath, yamlContent);
        return { tempFolder, configPath, yamlContent };
    }

    getToken() {
        return this.token;
    }

    getAuthStr() {
        return this.authstr;
    }

    getPort() {
        return this.port;
    }

    getDomain() {
        return this.domain;
    }

    getRegistryUrl() {
        return `http://${this.domain}:${this.port}`;
    }

    async init() {
        const httpd = env('TSR_PEER_HTTPD');
        const mods = env('TSR_PEER_MODDIR');
        const dir = this.dir;
        fs.rmSync(dir, { recursive: true, force: true });
        fs.mkdirSync(path.join(dir, 'data'), { recursive: true });
        const dumpio = process.env.TSR_PEER_DUMPIO
            ? `LoadModule dumpio_module ${mods}/mod_dumpio.so\n` +
              'DumpIOInput On\nDumpIOOutput On\nLogLevel notice dumpio:trace7\n'
            : '';
        // Verdaccio's default configuration lets every logged-in user create
        // packages in any scope ('@*/*': publish: $authenticated); here a
        // scope belongs to its user or organisation, and only an
        // administrator creates packages in any scope.  So the harness's one
        // user is made one, unless TSR_PEER_STRICT_SCOPES asks for the
        // registry's own rules.
        const admin = process.env.TSR_PEER_STRICT_SCOPES
            ? ''
            : `    TsciRegistryAdmin user ${this.credentials.user}\n`;
        const conf = path.join(dir, 'httpd.conf');
        fs.writeFileSync(
            conf,
            `# A registry for one describe block of Verdaccio's e2e CLI tests.
ServerRoot ${dir}
ServerName localhost
PidFile ${dir}/httpd.pid
DefaultRuntimeDir ${dir}
ErrorLog ${dir}/error_log
LogLevel notice
Listen 127.0.0.1:${this.port}
LoadModule mpm_event_module ${mods}/mod_mpm_event.so
LoadModule authz_core_module ${mods}/mod_authz_core.so
LoadModule tsci_registry_module ${env('TSR_PEER_MODULE')}
StartServers 1
ServerLimit 1
ThreadsPerChild 25
MaxRequestWorkers 25
MinSpareThreads 1
MaxSpareThreads 25
# What each client sent, to tell why a test failed.
LogFormat "%{%T}t.%{msec_frac}t \\"%r\\" %>s %B \\"%{Accept}i\\" \\"%{User-Agent}i\\" \\"%{npm-command}i\\" user:%u" peer
CustomLog ${dir}/access_log peer
${dumpio}TsciRegistryDataDir ${dir}/data
<Location />
    TsciRegistry On
    TsciRegistryAllowSignup On
${admin}</Location>
`
        );
        // The clients the tests spawn inherit this process's environment.
        // Each registry gets client caches of its own: ports come round
        // again, and Yarn takes an exact version it has metadata for from
        // its global cache without asking, so it would fetch the tarball
        // from the port of an earlier registry (gone by then).  Verdaccio's
        // CI, running files in parallel, rarely meets that.
        const caches = path.join(dir, 'client-cache');
        process.env.YARN_GLOBAL_FOLDER = path.join(caches, 'yarn');
        process.env.npm_config_cache = path.join(caches, 'npm');
        process.env.XDG_CACHE_HOME = path.join(caches, 'xdg');
        const r = spawnSync(httpd, ['-f', conf, '-k', 'start'], { encoding: 'utf8' });
        if (r.status !== 0) {
            throw new Error(`httpd did not start (${dir}): ${r.stderr}${r.stdout}`);
        }
        // Apache listens before it writes its pid file.
        const until = Date.now() + 20000;
        await waitForPort(this.port, until);
        while (!(this.pid = this.readPid()) && Date.now() < until) {
            await new Promise((r) => setTimeout(r, 50));
        }
        if (!this.pid) {
            throw new Error(`httpd wrote no pid file in ${dir}`);
        }
        try {
            await this.prepare();
        } catch (e) {
            this.stop();
            throw e;
        }
        return this;
    }

    // The user Verdaccio's harness creates, and the seed.
    async prepare() {
        const base = this.getRegistryUrl() + '/';
        if (this.createUser) {
            const { user, password } = this.credentials;
            const res = await call(base, 'PUT', `-/user/org.couchdb.user:${encodeURIComponent(user)}`, {
                _id: `org.couchdb.user:${user}`,
                name: user,
                password,
                type: 'user',
                roles: [],
                date: new Date(),
            });
            if (res.status !== 201 || !res.json || !res.json.token) {
                throw new Error(`creating user ${user}: ${res.status} ${res.text}`);
            }
            this.token = res.json.token;
            this.authstr = `Bearer ${this.token}`;
        }
        const seed = process.env.TSR_PEER_SEED;
        if (seed && this.token) {
            for (const f of fs.readdirSync(seed).filter((f) => f.endsWith('.tgz')).sort()) {
                const { name, body } = publishBody(fs.readFileSync(path.join(seed, f)), base);
                const res = await call(base, 'PUT', name.replace('/', '%2f'), body, this.token);
                if (res.status !== 201 && res.status !== 200) {
                    throw new Error(`seeding ${f}: ${res.status} ${res.text}`);
                }
            }
        }
    }

    readPid() {
        try {
            return Number(fs.readFileSync(path.join(this.dir, 'httpd.pid'), 'utf8')) || null;
        } catch (e) {
            return null;
        }
    }

    stop() {
        this.pid = this.pid || this.readPid();
        if (!this.pid) {
            return;
        }
        spawnSync(env('TSR_PEER_HTTPD'), ['-f', path.join(this.dir, 'httpd.conf'), '-k', 'stop']);
        const until = Date.now() + 20000;
        while (alive(this.pid) && Date.now() < until) {
            pause(50);
        }
        if (alive(this.pid)) {
            process.kill(this.pid, 'SIGKILL');
        }
        this.pid = null;
    }
}

// cli-commons' registry.ts exports these two: same names, same results.
export async function getConfigPath(customConfig) {
    return Registry.fromConfigToPath({ ...customConfig, _debug: true });
}

export async function initialSetup(customConfig) {
    const { tempFolder, configPath } = await getConfigPath(customConfig);
    const registry = new Registry(configPath, { createUser: true });
    return { registry, tempFolder };
}
