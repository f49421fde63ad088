'use strict';
// Replays the steps of ONE device of ONE script against the real mixpanel-browser,
// in its own process: the SDK captures `window`, `navigator`, `XMLHttpRequest`,
// timers and module-level singletons when it is first required, so a fresh process
// is the only reliable way to give every device a pristine browser.
//
// Invoked by record.js via child_process.fork(device.js, [scriptPath, deviceName]);
// answers with exactly one IPC message: {ok: true, ...result} or {ok: false, error}.

const fs = require('fs');
const ENV = require('./env');

const [scriptPath, deviceName] = process.argv.slice(2);
const script = JSON.parse(fs.readFileSync(scriptPath, 'utf8'));
const device = script.devices[deviceName] || {};
const config = Object.assign({}, ENV.config_defaults, script.config || {}, device.config || {});
const steps = script.steps
    .map(function (s, index) { return Object.assign({ index: index }, s); })
    .filter(function (s) { return s.device === deviceName; });

// ---------------------------------------------------------------- deterministic randomness

const { prng, uuidV4, frozenDate } = require('./prng');
const randomU32 = prng(ENV.seed + '/' + deviceName + '/Math.random');
const cryptoU32 = prng(ENV.seed + '/' + deviceName + '/crypto');
// 53 random bits like V8's Math.random, so `Math.random().toString(36)` (used for
// $insert_id by cheap_guid) has the same length/shape as in a real browser.
function seededRandom() {
    return (randomU32() * 2097152 + (randomU32() >>> 11)) / 9007199254740992;
}
function seededBytes(arr) {
    for (let i = 0; i < arr.length; i++) { arr[i] = cryptoU32() & 0xff; }
    return arr;
}
// Device ids the script pins (`devices.<name>.device_ids`): the UUID the SDK draws for the
// device at init, then at each reset(), in order. Every other UUID is seeded.
const pinnedIds = (device.device_ids || []).slice();
let pinNext = null;
function pinNextDeviceId() { pinNext = pinnedIds.length ? pinnedIds.shift() : null; }
function seededUUID() { // RFC 4122 v4, as crypto.randomUUID() returns it
    if (pinNext !== null) {
        const id = pinNext;
        pinNext = null;
        return id;
    }
    return uuidV4(seededBytes(new Uint8Array(16)));
}

// ---------------------------------------------------------------- clocks

// Wall clock: only the script moves it. Settling never advances it, so an event
// created at a step (or in a callback during the following settle) carries that
// step's `at`.
let wallMs = Math.round(script.start * 1000);
const FakeDate = frozenDate(function () { return wallMs; });

// Timer clock: separate virtual time that settle() fast-forwards through. Ties run
// in scheduling order, like a browser's task queue.
const timers = {
    now: 0,
    nextId: 1,
    pending: new Map(),
    set: function (fn, ms, args, repeat) {
        if (typeof fn !== 'function') { throw new TypeError('harness timers only accept functions'); }
        const id = this.nextId++;
        ms = Math.max(0, Number(ms) || 0);
        this.pending.set(id, { id: id, order: id, when: this.now + ms, fn: fn, args: args, every: repeat ? ms : null });
        return id;
    },
    clear: function (id) { this.pending.delete(id); },
    runNext: function () {
        let next = null;
        for (const t of this.pending.values()) {
            if (!next || t.when < next.when || (t.when === next.when && t.order < next.order)) { next = t; }
        }
        if (!next) { return false; }
        this.now = next.when;
        if (next.every === null) {
            this.pending.delete(next.id);
        } else {
            next.when += next.every;
            next.order = this.nextId++;
        }
        next.fn.apply(null, next.args);
        return true;
    }
};
const fakeTimerApi = {
    setTimeout: function (fn, ms) { return timers.set(fn, ms, Array.prototype.slice.call(arguments, 2), false); },
    setInterval: function (fn, ms) { return timers.set(fn, ms, Array.prototype.slice.call(arguments, 2), true); },
    clearTimeout: function (id) { timers.clear(id); },
    clearInterval: function (id) { timers.clear(id); },
    setImmediate: function (fn) { return timers.set(fn, 0, Array.prototype.slice.call(arguments, 1), false); },
    clearImmediate: function (id) { timers.clear(id); }
};
const realSetImmediate = setImmediate;

// ---------------------------------------------------------------- recording state

const requests = [];
const notes = [];
let seq = 0;
let currentStep = null; // index (into script.steps) of the last step whose call started
let phase = 'init';     // init | call | settle | final

// jsdom has no IndexedDB, so the session-recording registry lookup that init() and
// reset() do always fails; the SDK then treats it as "nothing to resume", exactly what
// a fresh real browser concludes. Dropped so it does not clutter every recording.
const IGNORED_NOTES = ['Error checking recording registry'];

function note(kind, message) {
    if (IGNORED_NOTES.indexOf(message) >= 0) { return; }
    notes.push({ device: deviceName, step: currentStep, during: phase, kind: kind, message: message });
}

function decodeComponent(s) { return decodeURIComponent(s); }

function parseForm(s) { // the SDK builds both query and body with encodeURIComponent + '&'
    const out = {};
    if (!s) { return out; }
    s.split('&').forEach(function (pair) {
        if (!pair) { return; }
        const eq = pair.indexOf('=');
        const k = decodeComponent(eq < 0 ? pair : pair.slice(0, eq));
        out[k] = eq < 0 ? '' : decodeComponent(pair.slice(eq + 1));
    });
    return out;
}

// `data` is plain JSON (api_payload_format "json", the default for *.mixpanel.com
// hosts) or base64 of UTF-8 JSON (format "base64"). Arrays are batches.
function decodeData(data) {
    try {
        return { format: 'json', value: JSON.parse(data) };
    } catch (e) {
        return { format: 'base64', value: JSON.parse(Buffer.from(data, 'base64').toString('utf8')) };
    }
}

function record(transport, method, url, body) {
    const u = new URL(url, ENV.url);
    const query = parseForm(u.search.slice(1));
    let data;
    if (typeof body === 'string' && body.length) {
        data = parseForm(body).data;
    } else if ('data' in query) { // GET transport puts the payload into the query
        data = query.data;
        delete query.data;
    }
    let payloads = [], format = null;
    if (data !== undefined) {
        const d = decodeData(data);
        format = d.format;
        payloads = Array.isArray(d.value) ? d.value : [d.value];
    }
    const req = {
        device: deviceName, seq: seq++, step: currentStep, during: phase,
        transport: transport, method: String(method).toUpperCase(), host: u.host, endpoint: u.pathname,
        query: query, format: format, payloads: payloads
    };
    requests.push(req);
    return req;
}

// Answer with what api-js.mixpanel.com answers on success: `{"status":1}` when the
// request asked for verbose=1 (all batch flushes do), otherwise "1".
function responseText(req) { return req.query.verbose === '1' ? '{"status":1}' : '1'; }

function FakeXMLHttpRequest() {
    this.readyState = 0;
    this.status = 0;
    this.statusText = '';
    this.responseText = '';
    this.withCredentials = false; // own property: the SDK's USE_XHR probe is `'withCredentials' in xhr`
    this.timeout = 0;
    this.onreadystatechange = null;
    this._headers = {};
}
FakeXMLHttpRequest.prototype.open = function (method, url) { this._method = method; this._url = url; this.readyState = 1; };
FakeXMLHttpRequest.prototype.setRequestHeader = function (k, v) { this._headers[k] = v; };
FakeXMLHttpRequest.prototype.getAllResponseHeaders = function () { return ''; };
FakeXMLHttpRequest.prototype.getResponseHeader = function () { return null; };
FakeXMLHttpRequest.prototype.abort = function () {};
FakeXMLHttpRequest.prototype.send = function (body) {
    const req = record('xhr', this._method, this._url, body);
    const xhr = this;
    // The answer arrives as a later task, never synchronously: "same"-tick steps
    // must not observe it.
    timers.set(function () {
        xhr.readyState = 4;
        xhr.status = 200;
        xhr.statusText = 'OK';
        xhr.responseText = responseText(req);
        if (typeof xhr.onreadystatechange === 'function') { xhr.onreadystatechange(); }
        if (typeof xhr.onload === 'function') { xhr.onload(); }
    }, ENV.response_latency_ms, [], false);
};
FakeXMLHttpRequest.UNSENT = 0; FakeXMLHttpRequest.OPENED = 1; FakeXMLHttpRequest.DONE = 4;

function fakeSendBeacon(url, body) {
    record('sendBeacon', 'POST', url, body == null ? '' : String(body));
    return true;
}

function fakeFetch(input, init) {
    init = init || {};
    const req = record('fetch', init.method || 'GET', String(input && input.url || input),
        typeof init.body === 'string' ? init.body : '');
    const text = responseText(req);
    const response = {
        ok: true, status: 200, statusText: 'OK', headers: { get: function () { return null; } },
        text: function () { return Promise.resolve(text); },
        json: function () { return Promise.resolve(JSON.parse(text)); }
    };
    return new Promise(function (resolve) { timers.set(resolve, ENV.response_latency_ms, [response], false); });
}

// ---------------------------------------------------------------- browser

function persistenceName() {
    return 'mp_' + (config.persistence_name || (script.token + '_mixpanel'));
}

async function makeBrowser() {
    const { JSDOM, VirtualConsole } = require('jsdom');
    const vc = new VirtualConsole();
    // Keep the SDK's console output (critical errors; everything when debug:true)
    // as notes instead of printing it.
    ['log', 'info', 'warn', 'error', 'debug'].forEach(function (level) {
        vc.on(level, function () {
            note('console.' + level, Array.from(arguments).map(function (a) {
                return a instanceof Error ? a.message : (typeof a === 'string' ? a : JSON.stringify(a));
            }).join(' '));
        });
    });
    vc.on('jsdomError', function (e) { note('jsdom', e.message); });
    const dom = new JSDOM('<!DOCTYPE html><html><head><title>' + ENV.title + '</title></head><body></body></html>', {
        url: ENV.url,
        referrer: ENV.referrer || undefined,
        virtualConsole: vc
    });
    const w = dom.window;
    // Let jsdom finish loading with real timers, so the SDK sees readyState "complete".
    if (w.document.readyState !== 'complete') {
        await new Promise(function (resolve) { w.addEventListener('load', resolve); });
    }

    const define = function (obj, key, value) {
        Object.defineProperty(obj, key, { value: value, configurable: true, writable: true });
    };
    define(w.navigator, 'userAgent', ENV.user_agent);
    define(w.navigator, 'vendor', ENV.vendor);
    define(w.navigator, 'sendBeacon', fakeSendBeacon);
    define(w.screen, 'width', ENV.screen.width);
    define(w.screen, 'height', ENV.screen.height);
    define(w.crypto, 'randomUUID', seededUUID);
    define(w.crypto, 'getRandomValues', seededBytes);
    define(w, 'XMLHttpRequest', FakeXMLHttpRequest);
    define(w, 'fetch', fakeFetch);
    Object.keys(fakeTimerApi).forEach(function (k) { define(w, k, fakeTimerApi[k]); });

    // What an older SDK left behind, written where this config's persistence looks.
    if (device.storage) {
        const value = JSON.stringify(device.storage);
        if (config.persistence === 'localStorage') {
            w.localStorage.setItem(persistenceName(), value);
        } else {
            // Same shape as the SDK's own cookie (cross_subdomain_cookie default).
            w.document.cookie = persistenceName() + '=' + encodeURIComponent(value) + '; path=/; domain=.example.com';
        }
    }
    return dom;
}

function installGlobals(w) {
    // The SDK reads `window` once at load, but also uses bare globals:
    // `new XMLHttpRequest()`, `document.referrer` (people.set), setTimeout, Date.
    const g = global;
    const define = function (key, value) {
        Object.defineProperty(g, key, { value: value, configurable: true, writable: true });
    };
    define('window', w);
    define('document', w.document);
    define('navigator', w.navigator);
    define('screen', w.screen);
    define('localStorage', w.localStorage);
    define('sessionStorage', w.sessionStorage);
    define('XMLHttpRequest', FakeXMLHttpRequest);
    define('fetch', fakeFetch);
    define('Date', FakeDate);
    Object.keys(fakeTimerApi).forEach(function (k) { define(k, fakeTimerApi[k]); });
    Math.random = seededRandom;
    // Node's own crypto.randomUUID is not what the SDK calls (it uses window.crypto),
    // but pin it too in case a code path reaches for the global.
    if (g.crypto) {
        try { define('crypto', w.crypto); } catch (e) { /* read-only on some Node builds */ }
    }
}

// ---------------------------------------------------------------- replay

let mixpanel = null;

// Quiescent = nothing left to do: the only pending timers are the batchers'
// periodic flush timers with empty queues and no request in flight. (An idle
// RequestBatcher re-arms its flush timer forever, so "no timers" never happens.)
function quiescent() {
    const idle = new Set();
    const batchers = (mixpanel && mixpanel.request_batchers) || {};
    Object.keys(batchers).forEach(function (k) {
        const b = batchers[k];
        if (b && !b.requestInProgress && b.queue && b.queue.memQueue.length === 0 && b.timeoutID != null) {
            idle.add(b.timeoutID);
        }
    });
    for (const id of timers.pending.keys()) {
        if (!idle.has(id)) { return false; }
    }
    return true;
}

// Drain microtasks (all of them run before a setImmediate callback).
function drainMicrotasks() { return new Promise(function (resolve) { realSetImmediate(resolve); }); }

const MAX_TIMERS_PER_SETTLE = 10000;
async function settle() {
    for (let n = 0; ; n++) {
        await drainMicrotasks();
        if (quiescent()) { return; }
        if (n >= MAX_TIMERS_PER_SETTLE) {
            throw new Error('device never became quiescent (' + timers.pending.size + ' timers still pending after ' +
                MAX_TIMERS_PER_SETTLE + ' ran)');
        }
        timers.runNext();
    }
}

function invoke(step) {
    const parts = step.call.split('.');
    let target = mixpanel;
    for (let i = 0; i < parts.length - 1; i++) { target = target[parts[i]]; }
    const fn = target[parts[parts.length - 1]];
    if (typeof fn !== 'function') { throw new Error('SDK has no function ' + step.call); }
    return fn.apply(target, step.args || []);
}

function readStorage(name) {
    // Report what is actually persisted (not the SDK's in-memory copy).
    const cookie = document.cookie.split(';').map(function (c) { return c.trim(); })
        .filter(function (c) { return c.indexOf(name + '=') === 0; })[0];
    const ls = window.localStorage.getItem(name);
    const parse = function (s) { try { return JSON.parse(s); } catch (e) { return s; } };
    return {
        cookie: cookie === undefined ? null : parse(decodeURIComponent(cookie.slice(name.length + 1))),
        localStorage: ls === null ? null : parse(ls)
    };
}

async function main() {
    const dom = await makeBrowser();
    installGlobals(dom.window);

    let where = 'init';
    try {
        mixpanel = require('mixpanel-browser');
        const initConfig = Object.assign({}, config, {
            error_reporter: function (msg, err) {
                const m = msg && msg.message !== undefined ? msg.message : String(msg);
                note('error_reporter', err && err.message && err.message !== m ? m + ': ' + err.message : m);
            }
        });
        pinNextDeviceId();
        mixpanel.init(script.token, initConfig);
        pinNext = null;

        for (const step of steps) {
            const label = 'step ' + step.index + ' (' + step.call + ' at ' + step.at + ')';
            if (step.tick === 'settle') {
                where = 'settle before ' + label;
                phase = 'settle';
                await settle();
            }
            where = label;
            // "same": no await since the previous call, so no microtask, timer or
            // response callback can run in between.
            wallMs = Math.round(step.at * 1000);
            currentStep = step.index;
            phase = 'call';
            if (step.call === 'reset') { pinNextDeviceId(); }
            invoke(step);
            pinNext = null;
        }
        where = 'final settle';
        phase = 'final';
        await settle();
    } catch (e) {
        throw new Error(where + ': ' + (e && e.stack || e));
    }

    const persisted = readStorage(persistenceName());
    const queues = {};
    ['ev', 'pp', 'gr'].forEach(function (q) {
        const v = window.localStorage.getItem('__mpq_' + script.token + '_' + q);
        if (v && v !== '[]') { queues[q] = JSON.parse(v); }
    });
    if (Object.keys(queues).length) { note('harness', 'batch queue not empty after final settle: ' + JSON.stringify(queues)); }
    return { requests: requests, notes: notes, persistence: persisted };
}

let answered = false;
function answer(message, code) {
    if (answered) { return; }
    answered = true;
    process.send(message, function () { process.exit(code); });
}
function fail(err) { answer({ ok: false, error: String(err && err.message || err) }, 1); }

// An SDK promise that rejects unhandled would only be logged by a browser, but it
// means the recording cannot be trusted: fail loudly, naming where it happened.
process.on('unhandledRejection', function (e) {
    fail('unhandled rejection during ' + phase + ' (last step ' + currentStep + '): ' + (e && e.stack || e));
});

main().then(function (result) { answer(Object.assign({ ok: true }, result), 0); }, fail);
