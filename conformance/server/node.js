#!/usr/bin/env node
'use strict';
// Replays ONE server script (lib "node") against the real `mixpanel` npm package and
// prints its recording (JSON) on stdout. Invoked by ../record-server.js:
//
//   node server/node.js server-scripts/node-track-distinct-id.json
//
// Nothing goes over the network: `http.request` / `https.request` are replaced by a
// stub that records the request and answers 200 `1` (or `{"status":1}` when the query
// has verbose=1). See README.md ("Server libraries") for the formats.

const fs = require('fs');
const path = require('path');
const http = require('http');
const https = require('https');
const crypto = require('crypto');
const querystring = require('querystring');
const { EventEmitter } = require('events');
const ENV = require('./env.json');

const scriptPath = process.argv[2];
const script = JSON.parse(fs.readFileSync(scriptPath, 'utf8'));

// ---------------------------------------------------------------- deterministic randomness

// The library (0.24.0) draws no randomness on the tracking path (it adds no $insert_id);
// Math.random and crypto.randomUUID are seeded anyway so nothing can differ between runs.
const { prng, uuidV4, frozenDate } = require('../lib/prng');
const randomU32 = prng(ENV.seed + '/node/Math.random');
const cryptoU32 = prng(ENV.seed + '/node/crypto');
Math.random = function () { return (randomU32() * 2097152 + (randomU32() >>> 11)) / 9007199254740992; };
crypto.randomUUID = function () {
    const b = Buffer.alloc(16);
    for (let i = 0; i < 16; i++) { b[i] = cryptoU32() & 0xff; }
    return uuidV4(b);
};

// ---------------------------------------------------------------- frozen clock

const RealDate = Date;
let wallMs = Math.round(script.start * 1000);
const FakeDate = frozenDate(function () { return wallMs; });
global.Date = FakeDate;

// ---------------------------------------------------------------- recording state

const requests = [];
const notes = [];
let currentStep = null; // index of the step whose call started last (null: init)
let phase = 'init';     // init | call | settle
const pendingResponses = [];

function note(kind, message) {
    notes.push({ step: currentStep, during: phase, kind: kind, message: message });
}

// Every library console call becomes a note (e.g. the DEPRECATION WARNING that
// set_config prints for `secret`/`key`); stdout carries only the recording.
['log', 'info', 'warn', 'error', 'debug', 'trace'].forEach(function (level) {
    console[level] = function () {
        note('console.' + level, Array.from(arguments).map(function (a) {
            return typeof a === 'string' ? a : JSON.stringify(a);
        }).join(' '));
    };
});

// ---------------------------------------------------------------- masking

const PLACEHOLDERS = ENV.credential_placeholders;
function mask(value) {
    if (value === undefined || value === null || value === '') { return value === undefined ? null : value; }
    return Object.prototype.hasOwnProperty.call(PLACEHOLDERS, value) ? PLACEHOLDERS[value] : '***';
}
function describeAuth(header) {
    if (header === undefined) { return null; }
    const m = /^(\S+)\s+(.*)$/.exec(String(header));
    if (!m) { return { scheme: null, username: '***', password: '***' }; }
    if (m[1] !== 'Basic') { return { scheme: m[1], username: null, password: null }; }
    const decoded = Buffer.from(m[2], 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return {
        scheme: 'Basic',
        username: mask(colon < 0 ? decoded : decoded.slice(0, colon)),
        password: colon < 0 ? null : mask(decoded.slice(colon + 1))
    };
}

// ---------------------------------------------------------------- HTTP stub

function decodeData(raw) {
    const json = Buffer.from(raw, 'base64').toString('utf8');
    const value = JSON.parse(json);
    return { shape: Array.isArray(value) ? 'array' : 'object', payloads: Array.isArray(value) ? value : [value] };
}

// The library POSTs `data=<base64>` without percent-encoding it, so the body is split
// on & and = only (no '+' → ' ' form decoding, which would corrupt base64).
function parseRawForm(body) {
    const out = [];
    if (!body) { return out; }
    body.split('&').forEach(function (kv) {
        const i = kv.indexOf('=');
        out.push(i < 0 ? [kv, ''] : [kv.slice(0, i), kv.slice(i + 1)]);
    });
    return out;
}

function recordRequest(scheme, options, body) {
    const method = String(options.method || 'GET').toUpperCase();
    const fullPath = options.path || '/';
    const q = fullPath.indexOf('?');
    const pathname = q < 0 ? fullPath : fullPath.slice(0, q);
    const parsed = querystring.parse(q < 0 ? '' : fullPath.slice(q + 1));
    const query = {};
    let dataRaw = null, dataIn = null;
    Object.keys(parsed).forEach(function (k) {
        if (k === 'data') { dataRaw = parsed[k]; dataIn = 'query'; return; }
        query[k] = k === 'api_key' ? mask(parsed[k]) : parsed[k];
    });
    const form = {};
    parseRawForm(body).forEach(function (kv) {
        if (kv[0] === 'data') { dataRaw = kv[1]; dataIn = 'body'; return; }
        form[kv[0]] = kv[0] === 'api_key' ? mask(kv[1]) : kv[1];
    });
    const headersIn = options.headers || {};
    const headers = {};
    Object.keys(headersIn).forEach(function (k) {
        const lk = k.toLowerCase();
        if (lk === 'content-type') { headers[k] = headersIn[k]; }
        if (lk === 'authorization') { headers[k] = String(headersIn[k]).split(' ')[0] + ' ***'; }
    });
    const authKey = Object.keys(headersIn).find(function (k) { return k.toLowerCase() === 'authorization'; });
    const decoded = dataRaw === null ? { shape: null, payloads: [] } : decodeData(dataRaw);
    requests.push({
        seq: requests.length,
        step: currentStep,
        during: phase,
        method: method,
        scheme: scheme,
        host: options.host || options.hostname || null,
        port: options.port === undefined ? null : options.port,
        endpoint: pathname,
        query: query,
        headers: headers,
        auth: describeAuth(authKey === undefined ? undefined : headersIn[authKey]),
        data_in: dataIn,
        format: 'base64',
        form: form,
        shape: decoded.shape,
        payloads: decoded.payloads
    });
    return /(^|&)verbose=1(&|$)/.test(q < 0 ? '' : fullPath.slice(q + 1));
}

function stubRequest(scheme) {
    return function request(a, b, c) {
        // (options[, cb]) is what the library uses; (url, options[, cb]) is tolerated.
        let options = a, cb = b;
        if (typeof a === 'string' || a instanceof URL) {
            const u = new URL(String(a));
            options = Object.assign({ host: u.hostname, port: u.port || undefined, path: u.pathname + u.search }, typeof b === 'object' ? b : {});
            cb = typeof b === 'function' ? b : c;
        }
        const req = new EventEmitter();
        let body = '';
        let ended = false;
        req.write = function (chunk) { body += String(chunk); return true; };
        req.setHeader = function () {};
        req.setTimeout = function () { return req; };
        req.destroy = function () {};
        req.abort = function () {};
        req.end = function (chunk) {
            if (ended) { return req; }
            ended = true;
            if (chunk !== undefined) { body += String(chunk); }
            const verbose = recordRequest(scheme, options, body);
            pendingResponses.push({ cb: cb, body: verbose ? ENV.responses.verbose : ENV.responses.plain });
            return req;
        };
        return req;
    };
}
http.request = stubRequest('http');
https.request = stubRequest('https');

// Deliver every answer (and whatever its callback sends in turn) before the next step.
function settle() {
    phase = 'settle';
    let guard = 0;
    while (pendingResponses.length) {
        if (++guard > 10000) { throw new Error('harness: responses never settle'); }
        const p = pendingResponses.shift();
        const res = new EventEmitter();
        res.statusCode = 200;
        res.headers = { 'content-type': p.body.charAt(0) === '{' ? 'application/json' : 'text/plain' };
        res.setEncoding = function () {};
        if (typeof p.cb === 'function') { p.cb(res); }
        res.emit('data', Buffer.from(p.body));
        res.emit('end');
    }
}

// ---------------------------------------------------------------- replay

class HarnessError extends Error {} // printed as its message alone (it carries the stack)

// Only `{"$date": <unix seconds>}` is special in args: it becomes a JS Date (ms precision).
function reviveArg(v) {
    if (Array.isArray(v)) { return v.map(reviveArg); }
    if (v !== null && typeof v === 'object') {
        const keys = Object.keys(v);
        if (keys.length === 1 && keys[0] === '$date' && typeof v.$date === 'number') {
            return new RealDate(Math.round(v.$date * 1000));
        }
        const out = {};
        keys.forEach(function (k) { out[k] = reviveArg(v[k]); });
        return out;
    }
    return v;
}

function main() {
    delete process.env.HTTPS_PROXY; // the library builds a proxy agent from these at init
    delete process.env.HTTP_PROXY;
    const Mixpanel = require('mixpanel');
    const version = require('mixpanel/package.json').version;

    let config = script.config ? reviveArg(script.config) : undefined;
    if (config && config.credentials) {
        const c = config.credentials;
        config = Object.assign({}, config, { credentials: new Mixpanel.ServiceAccountCredentials(c.username, c.secret, c.project_id) });
    }
    phase = 'init';
    const mp = config === undefined ? Mixpanel.init(script.token) : Mixpanel.init(script.token, config);
    settle();

    const CALLS = {
        'track': mp.track, 'track_batch': mp.track_batch, 'import': mp.import, 'import_batch': mp.import_batch,
        'alias': mp.alias,
        'people.set': mp.people.set.bind(mp.people), 'people.set_once': mp.people.set_once.bind(mp.people),
        'people.increment': mp.people.increment.bind(mp.people), 'people.append': mp.people.append.bind(mp.people),
        'people.union': mp.people.union.bind(mp.people), 'people.unset': mp.people.unset.bind(mp.people),
        'people.remove': mp.people.remove.bind(mp.people), 'people.delete_user': mp.people.delete_user.bind(mp.people)
    };

    script.steps.forEach(function (st, i) {
        const fn = CALLS[st.call];
        if (!fn) { throw new Error('step ' + i + ': unknown call ' + JSON.stringify(st.call)); }
        wallMs = Math.round(st.at * 1000);
        currentStep = i;
        phase = 'call';
        const args = reviveArg(st.args || []);
        // The harness appends a completion callback; every call takes one as its last
        // argument and the library's own argument shuffling finds it there.
        const stepIndex = i;
        args.push(function (err) {
            if (err) { notes.push({ step: stepIndex, during: phase, kind: 'callback-error', message: String(err && err.message || err) }); }
        });
        try {
            fn.apply(null, args);
        } catch (e) {
            if (!st.expect_error) {
                throw new HarnessError('step ' + i + ' (' + st.call + ' at ' + st.at + '): ' + (e && e.stack || e));
            }
            note('threw', String(e && e.message || e));
        }
        if (st.expect_error && !notes.some(function (n) { return n.step === i && n.kind === 'threw'; })) {
            throw new HarnessError('step ' + i + ' (' + st.call + '): expect_error is set but the call did not throw');
        }
        settle();
    });

    const out = {
        script: script.name,
        lib: 'node',
        sdk: 'npm:mixpanel@' + version,
        env: ENV,
        requests: requests,
        notes: notes
    };
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
}

try {
    main();
} catch (e) {
    process.stderr.write((e instanceof HarnessError ? e.message : String(e && e.stack || e)) + '\n');
    process.exitCode = 1;
}
