// The side menu is open in the markup (so it works without scripts); on a phone screen
// it starts folded behind its "Menu" button and stays keyboard-operable as a <details>.
(function () {
  var menu = document.getElementById("side-menu");
  if (!menu) { return; }
  var phone = window.matchMedia("(max-width: 700px)");
  function fit() { menu.open = !phone.matches; }
  fit();
  phone.addEventListener("change", fit);
})();
