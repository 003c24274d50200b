// Quick exit: leave for a neutral site at once, replacing this page in the history so that "Back" does
// not return here. The button, or the Esc key anywhere on the page. Without JavaScript the button is an
// ordinary link to the same site.
(function () {
  "use strict";
  var button = document.querySelector("[data-quick-exit]");
  if (!button) {
    return;
  }
  var target = button.getAttribute("href");
  function leave(event) {
    if (event) {
      event.preventDefault();
    }
    document.body.style.display = "none";
    window.location.replace(target);
  }
  button.addEventListener("click", leave);
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" || event.key === "Esc") {
      leave(event);
    }
  });
})();
