(function () {
  // While the copy is being made, look again every few seconds; the server renders the state.
  var state = document.getElementById("export-state");
  if (state && (state.dataset.state === "requested" || state.dataset.state === "building")) {
    setTimeout(function () { window.location.reload(); }, 5000);
  }
})();
