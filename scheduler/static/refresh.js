// Reload the page every data-refresh seconds, with a button to stop it (WCAG 2.2.1: a
// person who reads slowly, or uses a screen reader, must be able to turn a timed refresh
// off; a <meta http-equiv="refresh"> cannot be turned off).
document.addEventListener("DOMContentLoaded", function () {
  var box = document.querySelector("[data-refresh]");
  if (!box) { return; }
  var button = box.querySelector("button");
  var timer = setTimeout(function () { window.location.reload(); },
                         1000 * parseInt(box.getAttribute("data-refresh"), 10));
  button.addEventListener("click", function () {
    clearTimeout(timer);
    box.querySelector(".hint").textContent = box.getAttribute("data-stopped");
    button.remove();
  });
});
