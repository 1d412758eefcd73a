// Keeps the server-written "time left" current while the page stays open. The server's
// number is the truth (it follows the consultation's clock); this only counts it down.
(function () {
  var started = Date.now();
  function render() {
    var nodes = document.querySelectorAll("[data-seconds-left]");
    for (var i = 0; i < nodes.length; i++) {
      var node = nodes[i];
      var left = parseInt(node.getAttribute("data-seconds-left"), 10) - Math.floor((Date.now() - started) / 1000);
      var minutes = Math.max(0, Math.floor(left / 60));
      node.textContent = node.getAttribute("data-template")
        .replace("{days}", String(Math.floor(minutes / 1440)))
        .replace("{hours}", String(Math.floor(minutes / 60) % 24))
        .replace("{minutes}", String(minutes % 60));
    }
  }
  setInterval(render, 30000);
})();
