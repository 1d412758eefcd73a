// Keeps the server-written "time left" current while the page stays open. The server's
// number is the truth (it follows the consultation's clock); this only counts it down,
// in the page's language: the browser's Intl names the units with their plural forms
// (Arabic has six), as the server's babel did.
(function () {
  var started = Date.now();
  var lang = document.documentElement.lang || "en";
  if (!window.Intl || !Intl.NumberFormat || !Intl.ListFormat) return;
  function unit(name, amount) {
    return new Intl.NumberFormat(lang, { style: "unit", unit: name, unitDisplay: "long" }).format(amount);
  }
  function render() {
    var nodes = document.querySelectorAll("[data-seconds-left]");
    for (var i = 0; i < nodes.length; i++) {
      var node = nodes[i];
      var left = parseInt(node.getAttribute("data-seconds-left"), 10) - Math.floor((Date.now() - started) / 1000);
      var minutes = Math.max(0, Math.floor(left / 60));
      var parts = [];
      if (minutes >= 1440) parts.push(unit("day", Math.floor(minutes / 1440)));
      if (Math.floor(minutes / 60) % 24) parts.push(unit("hour", Math.floor(minutes / 60) % 24));
      if (minutes % 60 || !parts.length) parts.push(unit("minute", minutes % 60));
      node.textContent = new Intl.ListFormat(lang, { type: "conjunction" }).format(parts);
    }
  }
  setInterval(render, 30000);
})();
