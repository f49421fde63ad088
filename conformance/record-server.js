#!/usr/bin/env node
'use strict';
// Replays conformance/server-scripts/*.json against the real server libraries —
// the npm package `mixpanel` (lib "node", server/node.js) and the PyPI package
// `mixpanel` (lib "python", server/python_harness.py in conformance/.venv) — and writes
// conformance/server-recorded/<name>.json. See README.md ("Server libraries").
//
//   node record-server.js                                # every script (prunes stale recordings)
//   node record-server.js server-scripts/node-alias.json # just these
//
// Sets up conformance/.venv first when it is missing or requirements.txt changed
// (python3 -m venv; pip install --require-hashes -r requirements.txt).
// Each script runs in its own process; CONFORMANCE_JOBS (default 2) at once.

const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const { execFile, execFileSync } = require('child_process');

const ROOT = __dirname;
const SCRIPTS = path.join(ROOT, 'server-scripts');
const RECORDED = path.join(ROOT, 'server-recorded');
const VENV = path.join(ROOT, '.venv');
const VENV_PY = path.join(VENV, 'bin', 'python');
const REQUIREMENTS = path.join(ROOT, 'requirements.txt');
const STAMP = path.join(VENV, '.requirements.sha256');

const CALLS = {
    node: ['track', 'track_batch', 'import', 'import_batch', 'alias', 'people.set', 'people.set_once',
        'people.increment', 'people.append', 'people.union', 'people.unset', 'people.remove', 'people.delete_user'],
    python: ['track', 'import_data', 'alias', 'merge', 'people_set', 'people_set_once', 'people_increment',
        'people_append', 'people_union', 'people_unset', 'people_remove', 'people_delete', 'people_update', 'flush']
};
const PYTHON_CONFIG_KEYS = ['consumer', 'max_size', 'api_host', 'credentials'];
const NODE_CONFIG_KEYS = ['host', 'protocol', 'path', 'secret', 'key', 'credentials', 'geolocate', 'verbose',
    'test', 'debug', 'keepAlive'];

const { JOBS, isObject, readScript, scriptFiles, pool, writeRecordings, finish, run } = require('./lib/recorder');

function validate(file) {
    const { s, fail } = readScript(file);
    Object.keys(s).forEach(function (k) {
        if (['name', 'lib', 'token', 'start', 'config', 'steps'].indexOf(k) < 0) { fail('file', 'unknown key ' + JSON.stringify(k)); }
    });
    if (!(s.lib in CALLS)) { fail('lib', 'must be "node" or "python"'); }
    if (s.config !== undefined) {
        if (!isObject(s.config)) { fail('config', 'must be an object'); }
        const allowed = s.lib === 'node' ? NODE_CONFIG_KEYS : PYTHON_CONFIG_KEYS;
        Object.keys(s.config).forEach(function (k) {
            if (allowed.indexOf(k) < 0) { fail('config', 'unknown key ' + JSON.stringify(k) + ' for lib ' + s.lib + ' (allowed: ' + allowed.join(', ') + ')'); }
        });
        const c = s.config.credentials;
        if (c !== undefined && !(isObject(c) && ['username', 'secret', 'project_id'].every(function (k) { return typeof c[k] === 'string'; }))) {
            fail('config.credentials', 'must be {"username", "secret", "project_id"} strings');
        }
        if (s.lib === 'python' && s.config.consumer !== undefined && ['direct', 'buffered'].indexOf(s.config.consumer) < 0) {
            fail('config.consumer', 'must be "direct" or "buffered"');
        }
    }
    if (!Array.isArray(s.steps) || !s.steps.length) { fail('steps', 'must be a non-empty array'); }
    let prev = s.start;
    s.steps.forEach(function (st, i) {
        const where = 'step ' + i + (isObject(st) && st.call ? ' (' + st.call + ')' : '');
        if (!isObject(st)) { fail(where, 'must be an object'); }
        if (typeof st.at !== 'number' || !isFinite(st.at)) { fail(where, '"at" must be Unix seconds (number)'); }
        if (st.at < prev) { fail(where, '"at" ' + st.at + ' is before the previous time ' + prev); }
        prev = st.at;
        if (CALLS[s.lib].indexOf(st.call) < 0) { fail(where, '"call" must be one of ' + CALLS[s.lib].join(', ')); }
        if (st.args !== undefined && !Array.isArray(st.args)) { fail(where, '"args" must be an array'); }
        if (st.expect_error !== undefined && typeof st.expect_error !== 'boolean') { fail(where, '"expect_error" must be a boolean'); }
        Object.keys(st).forEach(function (k) {
            if (['at', 'call', 'args', 'expect_error'].indexOf(k) < 0) { fail(where, 'unknown key ' + JSON.stringify(k)); }
        });
    });
    return s;
}

// conformance/.venv with exactly requirements.txt (hash-checked). Re-installed when
// requirements.txt changes (its sha256 is stamped into the venv).
function ensureVenv() {
    const want = crypto.createHash('sha256').update(fs.readFileSync(REQUIREMENTS)).digest('hex');
    if (fs.existsSync(VENV_PY) && fs.existsSync(STAMP) && fs.readFileSync(STAMP, 'utf8').trim() === want) { return; }
    const python = process.env.PYTHON || 'python3';
    console.log('setting up ' + path.relative(process.cwd(), VENV) + ' (' + python + ' -m venv; pip install --require-hashes -r requirements.txt)');
    if (!fs.existsSync(VENV_PY)) {
        execFileSync(python, ['-m', 'venv', VENV], { stdio: 'inherit' });
    }
    execFileSync(VENV_PY, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--require-hashes',
        '-r', REQUIREMENTS], { stdio: 'inherit', cwd: ROOT });
    fs.writeFileSync(STAMP, want + '\n');
}

function childEnv() {
    const env = Object.assign({}, process.env, { TZ: 'UTC', PYTHONHASHSEED: '0', PYTHONDONTWRITEBYTECODE: '1', PYTHONIOENCODING: 'utf-8' });
    ['HTTPS_PROXY', 'HTTP_PROXY', 'https_proxy', 'http_proxy', 'ALL_PROXY', 'all_proxy'].forEach(function (k) { delete env[k]; });
    return env;
}

function runScript(entry) {
    const cmd = entry.script.lib === 'node'
        ? [process.execPath, [path.join(ROOT, 'server', 'node.js'), entry.file]]
        : [VENV_PY, [path.join(ROOT, 'server', 'python_harness.py'), entry.file]];
    return new Promise(function (resolve) {
        execFile(cmd[0], cmd[1], { cwd: ROOT, env: childEnv(), maxBuffer: 64 * 1024 * 1024 }, function (err, stdout, stderr) {
            if (err) {
                resolve({ ok: false, error: (stderr || '').trim() || String(err) });
                return;
            }
            try {
                const rec = JSON.parse(stdout);
                if (rec.script !== entry.script.name) { throw new Error('recording names ' + JSON.stringify(rec.script)); }
            } catch (e) {
                resolve({ ok: false, error: 'harness printed no valid recording: ' + e.message });
                return;
            }
            resolve({ ok: true, text: stdout });
        });
    });
}

async function main() {
    const { files, all } = scriptFiles(SCRIPTS, process.argv.slice(2));
    const scripts = files.map(function (f) { return { file: f, script: validate(f) }; });

    if (scripts.some(function (e) { return e.script.lib === 'node'; })) {
        try {
            require.resolve('mixpanel/package.json', { paths: [ROOT] });
        } catch (e) {
            throw new Error('the npm package `mixpanel` is not installed: run `npm ci` in conformance/ first');
        }
    }
    if (scripts.some(function (e) { return e.script.lib === 'python'; })) { ensureVenv(); }

    const t0 = Date.now();
    const failures = [];
    await pool(scripts, async function (entry) {
        const r = await runScript(entry);
        if (r.ok) {
            entry.text = r.text;
        } else {
            failures.push(path.relative(process.cwd(), entry.file) + ': ' + r.error);
        }
    });

    const outputs = scripts.filter(function (e) { return e.text !== undefined; }).map(function (e) {
        return [path.basename(e.file), e.text];
    });
    const written = writeRecordings(RECORDED, outputs, scripts.map(function (e) { return path.basename(e.file); }), all);
    console.log('recorded ' + written + '/' + scripts.length + ' server scripts (' + JOBS + ' at a time) in ' +
        ((Date.now() - t0) / 1000).toFixed(1) + 's');
    finish(failures);
}

run(main);
