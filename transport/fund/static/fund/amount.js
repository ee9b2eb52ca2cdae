// The amount buttons and the typed amount are one choice: using one clears the other,
// so what the donor sees selected is what the server uses (a typed amount wins anyway).
(function () {
  "use strict";
  var typed = document.getElementById("id_amount");
  var presets = document.querySelectorAll("input[name=preset]");
  if (!typed) return;
  typed.addEventListener("input", function () {
    if (typed.value.trim()) presets.forEach(function (p) { p.checked = false; });
  });
  presets.forEach(function (p) {
    p.addEventListener("change", function () { typed.value = ""; });
  });
})();
