// Static demos (ipsplib/demos/_static.py writes their HTML; added to every page by _ext/offline_site.py).
// Each demo holds native controls (range inputs, radio buttons) and a JSON manifest: the grid's shape and
// every frame's file and alt text. Moving a control shows the frame for the new grid point; frames load on
// demand, and once the reader touches a demo the frames one step away on every control are prefetched.
(function () {
  "use strict";

  function setUp(demo) {
    var data = demo.querySelector("script.ipsp-demo-manifest");
    var img = demo.querySelector(".ipsp-demo-frame img");
    if (!data || !img || demo.dataset.ipspReady) return;
    demo.dataset.ipspReady = "1";
    var m = JSON.parse(data.textContent);
    var shape = m.shape;
    var fetched = {};
    var wanted = 0;

    function position() {
      return shape.map(function (_, axis) {
        var input = demo.querySelector('input[type="range"][data-ipsp-axis="' + axis + '"]') ||
          demo.querySelector('input[type="radio"][data-ipsp-axis="' + axis + '"]:checked');
        return input ? Number(input.value) : 0;
      });
    }
    function flat(pos) {
      return pos.reduce(function (index, p, axis) { return index * shape[axis] + p; }, 0);
    }
    function prefetch(index) {
      if (fetched[index]) return;
      fetched[index] = true;
      var im = new Image();
      im.decoding = "async";
      im.src = m.frames[index];
    }
    function neighbours(pos) {
      pos.forEach(function (p, axis) {
        [p - 1, p + 1].forEach(function (q) {
          if (q < 0 || q >= shape[axis]) return;
          var next = pos.slice();
          next[axis] = q;
          prefetch(flat(next));
        });
      });
    }
    function show() {
      var pos = position();
      var index = flat(pos);
      var ticket = ++wanted;
      // readouts and what a screen reader speaks
      pos.forEach(function (p, axis) {
        var slider = demo.querySelector('input[type="range"][data-ipsp-axis="' + axis + '"]');
        if (!slider) return;
        slider.setAttribute("aria-valuetext", m.controls[axis].valuetexts[p]);
        var out = demo.querySelector('output[for="' + slider.id + '"]');
        if (out) out.textContent = m.controls[axis].readouts[p];
      });
      // swap once decoded, so the old frame stays until the new one can be drawn; the newest request wins
      var next = new Image();
      next.src = m.frames[index];
      fetched[index] = true;
      var swap = function () {
        if (ticket !== wanted) return;
        img.setAttribute("src", m.frames[index]); // relative, as in the manifest
        img.alt = m.alts[index];
        demo.dataset.ipspFrame = String(index);
      };
      (next.decode ? next.decode() : Promise.resolve()).then(swap, swap);
      neighbours(pos);
    }
    demo.addEventListener("input", show);
    demo.addEventListener("change", show);
    var warm = function () { neighbours(position()); };
    ["pointerenter", "focusin", "touchstart"].forEach(function (type) {
      demo.addEventListener(type, warm, {once: true, passive: true});
    });
    var shown = m.frames.indexOf(img.getAttribute("src"));
    fetched[shown] = true;
    demo.dataset.ipspFrame = String(shown);
    if (shown !== flat(position())) show(); // the browser restored other control positions (back button)
  }

  function start() {
    document.querySelectorAll(".ipsp-demo-static").forEach(setUp);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
