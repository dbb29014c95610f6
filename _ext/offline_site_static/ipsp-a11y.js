// Accessibility fixes for every page (added by _ext/offline_site.py).
// axe-core flags these in sphinx-book-theme 1.3 / pydata-sphinx-theme 0.17 and
// in ipywidgets' static rendering. fix() is idempotent; it runs at load and
// again whenever the DOM changes (widgets and Font Awesome icons render late).
(function () {
  "use strict";

  function fix() {
    // label-content-name-mismatch (WCAG 2.5.3): the search buttons read
    // "Search Ctrl+K" but are named "Search"; name them by their content.
    document.querySelectorAll("button.search-button__button[aria-label]").forEach(function (b) {
      b.removeAttribute("aria-label");
    });
    // Same rule: the colour-mode button's icons carry titles ("Light", "Dark",
    // ...) that differ from its name "Color mode"; the icons are decorative.
    document.querySelectorAll(".theme-switch-button svg, .theme-switch-button i").forEach(function (icon) {
      icon.setAttribute("aria-hidden", "true");
      icon.removeAttribute("role");
      icon.removeAttribute("aria-labelledby");
      icon.removeAttribute("title");
      icon.querySelectorAll("title").forEach(function (t) { t.remove(); });
    });
    // Same rule: myst-nb's "Show code cell source" toggles (hide-input) are
    // named "Toggle hidden content"; name them by their visible text.
    document.querySelectorAll("details > summary[aria-label]").forEach(function (s) {
      if (s.textContent.trim()) s.removeAttribute("aria-label");
    });
    // region: the logo/title link in the sidebar sits outside any landmark.
    document.querySelectorAll(".sidebar-primary-item").forEach(function (item) {
      if (item.querySelector(".navbar-brand") && !item.hasAttribute("role")) {
        item.setAttribute("role", "navigation");
        item.setAttribute("aria-label", "Book home");
      }
    });
    // aria-required-children (critical): docutils 0.21 writes the bibliography
    // as role=list whose items have the deprecated role doc-biblioentry.
    document.querySelectorAll('[role="list"] > [role="doc-biblioentry"]').forEach(function (entry) {
      entry.setAttribute("role", "listitem");
    });
    // Widget sliders: noUiSlider handles (role=slider) have no accessible
    // name; use the text of the widget's label ("quantity (unit)"). A static
    // demo's SelectionSlider reports its frame index as aria-valuenow, so the
    // value a screen reader speaks is the readout with the label's unit ("7 mM").
    document.querySelectorAll(".widget-slider").forEach(function (w) {
      var label = w.querySelector(".widget-label");
      var text = label ? label.textContent.trim() : "";
      if (!text) return;
      var unit = (text.match(/\(([^()]*)\)\s*$/) || [])[1] || "";
      var readout = w.querySelector(".widget-readout");
      var value = readout ? readout.textContent.trim() : "";
      var valueText = value && unit && !/^[a-z]/i.test(value) ? value + " " + unit : value;
      w.querySelectorAll(".noUi-handle").forEach(function (h) {
        if (h.getAttribute("aria-label") !== text) h.setAttribute("aria-label", text);
        if (valueText && h.getAttribute("aria-valuetext") !== valueText) h.setAttribute("aria-valuetext", valueText);
      });
    });
  }

  var pending = false;
  function schedule() {
    if (pending) return;
    pending = true;
    window.requestAnimationFrame(function () {
      pending = false;
      fix();
    });
  }
  function start() {
    fix();
    new MutationObserver(schedule).observe(document.body, {
      childList: true,
      subtree: true,
      characterData: true, // slider readouts change their text as the value moves
      attributes: true,
      attributeFilter: ["title", "class"],
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
