// Loaded on pages with widgets, after require.js and before embed-amd.js
// (see nb_ipywidgets_js in _config.yml). Two fixes for the offline site:
(function () {
  "use strict";
  // 1. The modules bundled in embed-amd.js find their font files next to the
  //    URL requirejs gives them, by default relative to the page
  //    (chapters/@jupyter-widgets/<hash>.woff2, a 404). Map the module names
  //    into the vendored dist/ folder, located relative to this script. The
  //    modules are defined inside embed-amd.js, so nothing more is fetched.
  var dist = new URL("vendor/html-manager/dist/", document.currentScript.src).href;
  window.require.config({
    paths: {
      "@jupyter-widgets/base": dist + "base",
      "@jupyter-widgets/controls": dist + "controls",
      "@jupyter-widgets/html-manager": dist + "html-manager",
      "@jupyter-widgets/html-manager/dist": dist.replace(/\/$/, ""),
    },
  });

  // 2. @jupyter-widgets/base typesets labels with the MathJax 2 API,
  //    MathJax.Hub.Queue(["Typeset", MathJax.Hub, element]), which MathJax 3
  //    lacks (TypeError). Give whatever object window.MathJax holds (the
  //    config, then MathJax 3 itself, which replaces it) a non-enumerable Hub
  //    that forwards to MathJax 3's typesetPromise.
  function typeset(element) {
    var mj = window.MathJax;
    var ready = (mj.startup && mj.startup.promise) || Promise.resolve();
    ready
      .then(function () {
        if (typeof mj.typesetPromise === "function") {
          return mj.typesetPromise(element ? [element] : undefined);
        }
      })
      .catch(function (err) {
        console.warn("MathJax could not typeset a widget label:", err);
      });
  }
  function addHub(mj) {
    if (mj && typeof mj === "object" && !mj.Hub) {
      Object.defineProperty(mj, "Hub", {
        enumerable: false, // MathJax 3 would read an enumerable key as config
        value: {
          Queue: function () {
            for (var i = 0; i < arguments.length; i++) {
              var cmd = arguments[i];
              if (Array.isArray(cmd) && cmd[0] === "Typeset") typeset(cmd[2]);
            }
          },
        },
      });
    }
    return mj;
  }
  var current = addHub(window.MathJax);
  Object.defineProperty(window, "MathJax", {
    configurable: true,
    get: function () { return current; },
    set: function (value) { current = addHub(value); },
  });
})();
