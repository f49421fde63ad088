#!/usr/bin/env node
'use strict';
// Replays conformance/scripts/*.json against the real mixpanel-browser SDK and
// writes conformance/recorded/<name>.json. See README.md for both formats.
//
//   node record.js                    # every script (and prune stale recordings)
//   node record.js scripts/foo.json   # just these
//
// Each device of each script runs in its own child process (lib/device.js);
// CONFORMANCE_JOBS (default 2, the CI machine's core count) run at once.

const fs = require('fs');
const path = require('path');
const { fork } = require('child_process');
const ENV = require('./lib/env');

const ROOT = __dirname;
const SCRIPTS = path.join(ROOT, 'scripts');
const RECORDED = path.join(ROOT, 'recorded');
const DEVICE_JS = path.join(ROOT, 'lib', 'device.js');
const SDK_VERSION = require('mixpanel-browser/package.json').version;
const JSDOM_VERSION = require('jsdom/package.json').version;

const CALLS = ['track', 'identify', 'alias', 'reset', 'register', 'register_once', 'unregister',
    'people.set', 'people.set_once', 'track_pageview', 'opt_out_tracking', 'opt_in_tracking'];

const { JOBS, isObject, readScript, scriptFiles, pool, writeRecordings, finish, run } = require('./lib/recorder');

// Reject anything outside the contract up front, naming the script and step, so a
// typo never turns into a silently different recording.
function validate(file) {
    const { s, fail } = readScript(file);
    if (s.config !== undefined && !isObject(s.config)) { fail('config', 'must be an object'); }
    if (!isObject(s.devices) || !Object.keys(s.devices).length) { fail('devices', 'must be a non-empty object'); }
    Object.keys(s.devices).forEach(function (name) {
        const d = s.devices[name];
        if (!isObject(d)) { fail('devices.' + name, 'must be an object'); }
        if (d.storage !== undefined && d.storage !== null && !isObject(d.storage)) { fail('devices.' + name + '.storage', 'must be null or an object'); }
        if (d.config !== undefined && !isObject(d.config)) { fail('devices.' + name + '.config', 'must be an object'); }
        if (d.device_ids !== undefined && !(Array.isArray(d.device_ids) && d.device_ids.every(function (x) { return typeof x === 'string'; }))) {
            fail('devices.' + name + '.device_ids', 'must be an array of strings');
        }
        Object.keys(d).forEach(function (k) {
            if (k !== 'storage' && k !== 'config' && k !== 'device_ids') { fail('devices.' + name, 'unknown key ' + JSON.stringify(k)); }
        });
    });
    if (!Array.isArray(s.steps)) { fail('steps', 'must be an array'); }
    const lastAt = {};
    s.steps.forEach(function (st, i) {
        const where = 'step ' + i + (isObject(st) && st.call ? ' (' + st.call + ')' : '');
        if (!isObject(st)) { fail(where, 'must be an object'); }
        if (!(st.device in s.devices)) { fail(where, 'unknown device ' + JSON.stringify(st.device)); }
        if (typeof st.at !== 'number' || !isFinite(st.at)) { fail(where, '"at" must be Unix seconds (number)'); }
        const prev = st.device in lastAt ? lastAt[st.device] : s.start;
        if (st.at < prev) { fail(where, '"at" ' + st.at + ' is before the device\'s previous time ' + prev); }
        lastAt[st.device] = st.at;
        if (st.tick !== 'settle' && st.tick !== 'same') { fail(where, '"tick" must be "settle" or "same"'); }
        if (CALLS.indexOf(st.call) < 0) { fail(where, '"call" must be one of ' + CALLS.join(', ')); }
        if (st.args !== undefined && !Array.isArray(st.args)) { fail(where, '"args" must be an array'); }
        Object.keys(st).forEach(function (k) {
            if (['device', 'at', 'tick', 'call', 'args'].indexOf(k) < 0) { fail(where, 'unknown key ' + JSON.stringify(k)); }
        });
    });
    return s;
}

function runDevice(file, device) {
    return new Promise(function (resolve) {
        const child = fork(DEVICE_JS, [file, device], {
            cwd: ROOT,
            env: Object.assign({}, process.env, { TZ: ENV.timezone }),
            stdio: ['ignore', 'inherit', 'inherit', 'ipc']
        });
        let answer = null;
        child.on('message', function (m) { answer = m; });
        child.on('exit', function (code, signal) {
            resolve(answer || { ok: false, error: 'device process died (' + (signal || 'exit code ' + code) + ') without an answer' });
        });
    });
}

// Stable output order: by step (init/null first), then device order in the script,
// then the device's own send order. Key order inside payloads is the SDK's own.
function buildRecording(s, results) {
    const devices = Object.keys(s.devices);
    const requests = [], notes = [], persistence = {};
    devices.forEach(function (d) {
        requests.push.apply(requests, results[d].requests);
        notes.push.apply(notes, results[d].notes);
        persistence[d] = results[d].persistence;
    });
    const key = function (r) { return [r.step === null ? -1 : r.step, devices.indexOf(r.device), r.seq]; };
    const cmp = function (a, b) {
        const ka = key(a), kb = key(b);
        for (let i = 0; i < ka.length; i++) { if (ka[i] !== kb[i]) { return ka[i] - kb[i]; } }
        return 0;
    };
    requests.sort(cmp);
    notes.sort(function (a, b) {
        return ((a.step === null ? -1 : a.step) - (b.step === null ? -1 : b.step)) || (devices.indexOf(a.device) - devices.indexOf(b.device));
    });
    return {
        script: s.name,
        sdk: 'mixpanel-browser@' + SDK_VERSION,
        env: Object.assign({ jsdom: JSDOM_VERSION }, ENV),
        requests: requests,
        notes: notes,
        final_persistence: persistence
    };
}

async function main() {
    const { files, all } = scriptFiles(SCRIPTS, process.argv.slice(2));
    const scripts = files.map(function (f) { return { file: f, script: validate(f) }; });
    const jobs = [];
    scripts.forEach(function (entry) {
        entry.results = {};
        Object.keys(entry.script.devices).forEach(function (d) { jobs.push({ entry: entry, device: d }); });
    });

    const t0 = Date.now();
    const failures = [];
    await pool(jobs, async function (job) {
        const r = await runDevice(job.entry.file, job.device);
        if (r.ok) {
            job.entry.results[job.device] = r;
        } else {
            job.entry.failed = true;
            failures.push(path.relative(process.cwd(), job.entry.file) + ' [device ' + job.device + ']: ' + r.error);
        }
    });

    const outputs = scripts.filter(function (e) { return !e.failed; }).map(function (entry) {
        return [path.basename(entry.file), JSON.stringify(buildRecording(entry.script, entry.results), null, 2) + '\n'];
    });
    const written = writeRecordings(RECORDED, outputs, scripts.map(function (e) { return path.basename(e.file); }), all);
    console.log('recorded ' + written + '/' + scripts.length + ' scripts (' + jobs.length + ' devices, ' +
        JOBS + ' at a time) in ' + ((Date.now() - t0) / 1000).toFixed(1) + 's');
    finish(failures);
}

run(main);
