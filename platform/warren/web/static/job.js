(function () {
  var box = document.getElementById("job");
  function show(state) {
    document.getElementById("job-status").textContent = state.status;
    var error = document.getElementById("job-error");
    error.hidden = !state.error; error.textContent = state.error || "";
    var result = document.getElementById("job-result");
    if (state.item && result.hidden) {
      result.innerHTML = "";
      if (state.item.content_type.indexOf("image/") === 0) {
        var img = document.createElement("img"); img.src = state.item.view; img.className = "result-preview"; img.alt = state.item.title; result.appendChild(img);
      }
      var p = document.createElement("p"); var a = document.createElement("a");
      a.className = "button"; a.href = state.item.download; a.textContent = "Download “" + state.item.title + "”";
      p.appendChild(a); result.appendChild(p); result.hidden = false;
    }
    return state.status === "done" || state.status === "failed";
  }
  function poll() {
    fetch(box.dataset.statusUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}}).then(function (r) { return r.json(); })
      .then(function (state) { if (!show(state)) { setTimeout(poll, 1500); } })
      .catch(function () { setTimeout(poll, 5000); });
  }
  if (box.dataset.status !== "done" && box.dataset.status !== "failed") { setTimeout(poll, 1000); }
})();
