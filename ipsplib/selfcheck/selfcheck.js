// Self-check questions (ipsplib.selfcheck): checks an answer in the page, with no kernel and no network.
// Each question is a <fieldset class="ipsp-sc"> whose data-sc attribute holds its answers and messages.
(function () {
  if (window.ipspSelfCheck) { window.ipspSelfCheck.init(); return; }

  function parseNumber(text) {
    // Readers may type a true minus sign, a comma decimal or the unit after the number.
    var t = String(text).trim().replace(/[\u2212\u2013]/g, '-').replace(',', '.');
    var m = t.match(/^[-+]?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?/i);
    return m ? parseFloat(m[0]) : NaN;
  }

  function sectionLink(data) {
    var a = document.createElement('a');
    a.href = '#' + data.anchor;
    a.textContent = '\u201c' + data.section + '\u201d';
    a.addEventListener('click', function (event) {
      if (document.getElementById(data.anchor)) return;
      // Outside the website (JupyterLab) headings have other ids: find the heading by its text.
      var heads = document.querySelectorAll('h1, h2, h3, h4');
      for (var i = 0; i < heads.length; i++) {
        if (heads[i].textContent.replace(/[\u00b6#]/g, '').trim() === data.section) {
          event.preventDefault();
          heads[i].scrollIntoView();
          return;
        }
      }
    });
    return a;
  }

  function escapeHtml(text) {
    var div = document.createElement('div');
    div.textContent = text;
    return div.innerHTML;
  }

  function appendHtml(node, html) {
    // the messages are ipsplib's own, typeset as HTML (subscripts); never anything a reader typed
    var t = document.createElement('template');
    t.innerHTML = html;
    node.appendChild(t.content);
  }

  function show(box, data, feedback) {
    var out = box.querySelector('.ipsp-sc-feedback');
    out.textContent = '';
    out.dataset.verdict = feedback.verdict;
    var lead = document.createElement('strong');
    lead.textContent = {right: 'Right. ', misconception: 'Not quite. ', hint: 'Not yet. ', empty: ''}[feedback.verdict];
    out.appendChild(lead);
    var hintText = feedback.verdict === 'hint' ? feedback.text.split('\u201c' + escapeHtml(data.section) + '\u201d') : null;
    if (hintText && hintText.length === 2) {
      appendHtml(out, hintText[0]);
      out.appendChild(sectionLink(data));
      appendHtml(out, hintText[1]);
    } else {
      appendHtml(out, feedback.text);
    }
  }

  function check(box) {
    var data = JSON.parse(box.dataset.sc);
    if (data.kind === 'choice') {
      var picked = box.querySelector('input[type=radio]:checked');
      if (!picked) return show(box, data, {verdict: 'empty', text: 'Choose one answer first.'});
      return show(box, data, data.feedback[picked.value]);
    }
    var x = parseNumber(box.querySelector('input.ipsp-sc-number').value);
    if (isNaN(x)) return show(box, data, {verdict: 'empty', text: 'Type a number' + (data.unit ? ' (in ' + data.unit + ')' : '') + ' first.'});
    if (Math.abs(x - data.answer) <= data.tolerance) return show(box, data, {verdict: 'right', text: data.why});
    for (var i = 0; i < data.misconceptions.length; i++) {
      if (Math.abs(x - data.misconceptions[i].value) <= data.tolerance) return show(box, data, data.misconceptions[i]);
    }
    return show(box, data, {verdict: 'hint', text: data.hint});
  }

  function init() {
    var boxes = document.querySelectorAll('fieldset.ipsp-sc:not([data-sc-ready])');
    for (var i = 0; i < boxes.length; i++) {
      (function (box) {
        box.setAttribute('data-sc-ready', '');
        box.querySelector('.ipsp-sc-check').addEventListener('click', function () { check(box); });
        var input = box.querySelector('input.ipsp-sc-number');
        if (input) input.addEventListener('keydown', function (event) {
          if (event.key === 'Enter') { event.preventDefault(); check(box); }
        });
      })(boxes[i]);
    }
  }

  window.ipspSelfCheck = {init: init, parseNumber: parseNumber};
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init); else init();
})();
