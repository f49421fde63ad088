// sfc32 seeded from a string hash: tiny, fast, good enough, and identical everywhere. Shared
// by the browser harness (lib/device.js) and the Node server harness (server/node.js), with
// the v4 UUID they draw and the frozen clock they run under.
'use strict';

function prng(seedText) {
    let h = 1779033703 ^ seedText.length;
    for (let i = 0; i < seedText.length; i++) {
        h = Math.imul(h ^ seedText.charCodeAt(i), 3432918353);
        h = (h << 13) | (h >>> 19);
    }
    const mix = function () {
        h = Math.imul(h ^ (h >>> 16), 2246822507);
        h = Math.imul(h ^ (h >>> 13), 3266489909);
        return (h ^= h >>> 16) >>> 0;
    };
    let a = mix(), b = mix(), c = mix(), d = mix();
    return function u32() {
        a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
        let t = (a + b) | 0;
        a = b ^ (b >>> 9);
        b = (c + (c << 3)) | 0;
        c = (c << 21) | (c >>> 11);
        d = (d + 1) | 0;
        t = (t + d) | 0;
        c = (c + t) | 0;
        return t >>> 0;
    };
}

// An RFC 4122 v4 UUID (as crypto.randomUUID() writes it) from 16 random bytes.
function uuidV4(bytes) {
    const b = Buffer.from(bytes);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = b.toString('hex');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
}

// A Date whose clock is `nowMs()`: `Date.now()` and `new Date()` read it; everything else is
// the real Date.
function frozenDate(nowMs) {
    const RealDate = Date;
    function FakeDate() {
        if (!new.target) { return new RealDate(nowMs()).toString(); }
        return arguments.length ? new RealDate(...arguments) : new RealDate(nowMs());
    }
    FakeDate.prototype = RealDate.prototype;
    FakeDate.now = function () { return nowMs(); };
    FakeDate.UTC = RealDate.UTC;
    FakeDate.parse = RealDate.parse;
    return FakeDate;
}

module.exports = { prng, uuidV4, frozenDate };
