'use strict';
// Fixed "browser" every device runs in. Recorded verbatim as `env` at the top of
// each recording so a diff in automatic properties can be traced to a change here.
module.exports = Object.freeze({
    url: 'https://example.com/',
    referrer: '',
    title: 'Example Domain',
    // Desktop Chrome on Windows: the SDK derives $os=Windows, $browser=Chrome,
    // $browser_version=120 from it; $device is empty (stripped) for desktops.
    user_agent: 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 ' +
        '(KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36',
    vendor: 'Google Inc.',
    screen: { width: 1920, height: 1080 },
    timezone: 'UTC',
    // PRNG seed; each device's streams are derived from (seed, device name, stream),
    // so device "web" gets the same ids in every script and two devices never collide.
    seed: 'idscope-conformance-v1',
    // Fake-timer delay between a request leaving and its 200 answer arriving. The
    // timer clock is separate from Date, so this only orders responses vs. timers.
    response_latency_ms: 0,
    // Merged under script.config and device.config for mixpanel.init(). Empty on
    // purpose: recordings must show the SDK's own defaults. (The harness also
    // injects a JS `error_reporter` hook, which only feeds `notes`.)
    config_defaults: {}
});
