// Move the focus to the error summary, so a screen reader reads the problems first and a
// phone scrolls to them (GOV.UK's pattern).
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.getElementById("error-summary");
  if (summary) { summary.focus(); }
});
