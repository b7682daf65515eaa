// Sportello's only script: progressive enhancement, never needed. Without it every page works
// (issue 16: forms show each conditional field with its condition, and the server checks only
// the fields whose condition holds).
//
// Conditional fields: a field marked data-if-field / data-if-values is shown only while the
// field it depends on has one of those values; its written condition is then redundant and
// hidden too. A field that becomes hidden keeps what was typed (the server ignores it).
(function () {
  'use strict';
  function valueOf(name) {
    var boxes = document.querySelectorAll('[name="' + name + '"]');
    for (var i = 0; i < boxes.length; i++) {
      var el = boxes[i];
      if (el.type === 'radio') { if (el.checked) return el.value; continue; }
      if (el.type === 'checkbox') return el.checked ? 'true' : '';
      return el.value;
    }
    return '';
  }
  function update() {
    var fields = document.querySelectorAll('[data-if-field]');
    for (var i = 0; i < fields.length; i++) {
      var f = fields[i];
      var wanted = (f.getAttribute('data-if-values') || '').split('|');
      var controller = document.querySelector('[data-if-self="' + f.getAttribute('data-if-field') + '"]');
      var shownController = !controller || !controller.hidden;
      f.hidden = !(shownController && wanted.indexOf(valueOf(f.getAttribute('data-if-field'))) >= 0);
      var note = f.querySelector('.field-condition');
      if (note) note.hidden = true;
    }
  }
  // A form sent back with errors: the summary takes the focus, so that a screen reader reads
  // it first and the keyboard starts from its links (without the script it is the page's
  // first content after the heading).
  function start() {
    document.documentElement.classList.add('js');
    update();
    var summary = document.getElementById('error-summary');
    if (summary && summary.hasAttribute('tabindex')) summary.focus();
  }
  document.addEventListener('change', update);
  document.addEventListener('input', update);
  if (document.readyState === 'loading') {
    document.addEventListener('DOMContentLoaded', start);
  } else {
    start();
  }
})();
