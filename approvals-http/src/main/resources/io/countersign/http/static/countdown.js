// Ticks the server-computed "time left" of each [data-remaining-ms] element once a second.
// The server's clock is authoritative (it may be a test clock); the browser only counts down from it.
(function () {
  'use strict';
  function format(ms) {
    if (ms <= 0) { return 'expired'; }
    var s = Math.floor(ms / 1000), d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600),
        m = Math.floor((s % 3600) / 60), sec = s % 60;
    if (d > 0) { return d + ' d ' + h + ' h'; }
    if (h > 0) { return h + ' h ' + m + ' min'; }
    if (m > 0) { return m + ' min ' + sec + ' s'; }
    return Math.max(sec, 1) + ' s';
  }
  function start() {
    var started = Date.now();
    var items = Array.prototype.slice.call(document.querySelectorAll('[data-remaining-ms]'));
    if (items.length === 0) { return; }
    function tick() {
      var elapsed = Date.now() - started;
      items.forEach(function (el) {
        var left = parseInt(el.getAttribute('data-remaining-ms'), 10) - elapsed;
        el.textContent = format(left);
        el.classList.toggle('soon', left > 0 && left < 5 * 60 * 1000);
        el.classList.toggle('over', left <= 0);
      });
    }
    tick();
    setInterval(tick, 1000);
  }
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
