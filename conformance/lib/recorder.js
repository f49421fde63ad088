'use strict';
// What both recorders share (record.js for the browser SDK, record-server.js for the server
// libraries): reading and checking a script's frame, the worker pool, writing recordings and
// pruning stale ones, and how a failure is reported.

const fs = require('fs');
const path = require('path');

const JOBS = Math.max(1, parseInt(process.env.CONFORMANCE_JOBS, 10) || 2);

class ScriptError extends Error {}

function isObject(v) { return v !== null && typeof v === 'object' && !Array.isArray(v); }

// Parses a script and checks what every script has (an object named like its file, a token,
// a start time); returns it with `fail(where, msg)`, which throws a ScriptError naming the
// file, for the recorder's own checks.
function readScript(file) {
    const base = path.basename(file, '.json');
    const fail = function (where, msg) { throw new ScriptError(path.relative(process.cwd(), file) + ': ' + where + ': ' + msg); };
    let s;
    try {
        s = JSON.parse(fs.readFileSync(file, 'utf8'));
    } catch (e) {
        fail('file', e.message);
    }
    if (!isObject(s)) { fail('file', 'top level must be an object'); }
    if (s.name !== base) { fail('name', 'must equal the file name without .json ("' + base + '"), got ' + JSON.stringify(s.name)); }
    if (typeof s.token !== 'string' || !s.token) { fail('token', 'must be a non-empty string'); }
    if (typeof s.start !== 'number' || !isFinite(s.start)) { fail('start', 'must be Unix seconds (number)'); }
    return { s: s, fail: fail };
}

// The scripts named on the command line, or every script in `dir` (then `all` is true and
// stale recordings are pruned).
function scriptFiles(dir, args) {
    const all = args.length === 0;
    const files = all
        ? fs.readdirSync(dir).filter(function (f) { return f.endsWith('.json'); }).sort().map(function (f) { return path.join(dir, f); })
        : args.map(function (f) { return path.resolve(f); });
    if (!files.length) { throw new ScriptError('no scripts found in ' + dir); }
    return { files: files, all: all };
}

// Runs `run(item)` (a promise) for every item, JOBS at a time.
async function pool(items, run) {
    let next = 0;
    async function worker() {
        while (next < items.length) {
            await run(items[next++]);
        }
    }
    await Promise.all(Array.from({ length: Math.min(JOBS, items.length) }, worker));
}

// Writes each [file name, text] into `dir`; when `all`, removes recordings of scripts that
// no longer exist. Returns how many were written.
function writeRecordings(dir, outputs, names, all) {
    fs.mkdirSync(dir, { recursive: true });
    outputs.forEach(function (o) { fs.writeFileSync(path.join(dir, o[0]), o[1]); });
    if (all) { // a deleted script must not leave a stale recording behind
        const keep = new Set(names);
        fs.readdirSync(dir).forEach(function (f) {
            if (f.endsWith('.json') && !keep.has(f)) { fs.unlinkSync(path.join(dir, f)); }
        });
    }
    return outputs.length;
}

// Reports failures (exit 1) and runs `main`, printing a script error as such.
function finish(failures) {
    if (failures.length) {
        failures.forEach(function (f) { console.error('FAILED ' + f); });
        process.exitCode = 1;
    }
}

function run(main) {
    main().catch(function (e) {
        console.error(e instanceof ScriptError ? 'invalid script: ' + e.message : (e && e.stack || e));
        process.exitCode = 1;
    });
}

module.exports = { JOBS, ScriptError, isObject, readScript, scriptFiles, pool, writeRecordings, finish, run };
