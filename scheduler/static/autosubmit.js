/* A menu marked data-autosubmit sends its form as soon as it changes (the language menu,
   the board's facility). A file, not an inline onchange: the Content-Security-Policy
   runs no inline handlers. Delegated, so parts swapped in by live.js work too. */
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field && field.hasAttribute && field.hasAttribute("data-autosubmit") && field.form) {
      field.form.submit();
    }
  });
})();
