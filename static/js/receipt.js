/* Verification receipt: a Print button (the page prints fine from the browser menu too). */
(function () {
  "use strict";
  var button = document.getElementById("print-receipt");
  if (!button || !window.print) {
    return;
  }
  button.hidden = false;
  button.addEventListener("click", function (event) {
    event.preventDefault();
    window.print();
  });
}());
