/*
 * Settings read by the vendored libraries while they load: this file must come BEFORE
 * bootstrap-italia.lean.min.js (deferred scripts run in document order).
 *
 * Video.js, bundled in Bootstrap Italia, injects <style> elements when it loads unless told not to;
 * our CSP (style-src 'self') would block them and log violations. Rete has no video player.
 */
window.VIDEOJS_NO_DYNAMIC_STYLE = true;
