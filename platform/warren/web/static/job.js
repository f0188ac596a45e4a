(function () {
  var box = document.getElementById("job");
  // The page gives the words in its own language; English if it does not.
  var words = JSON.parse(box.dataset.words || "{}");
  var statuses = words.statuses || {};
  function element(tag, props) {
    var node = document.createElement(tag);
    Object.keys(props).forEach(function (key) { node[key] = props[key]; });
    return node;
  }
  function copyButtons() {
    var button = document.getElementById("copy-text");
    if (!button) { return; }
    button.addEventListener("click", function () {
      var text = document.getElementById(button.dataset.target).textContent;
      navigator.clipboard.writeText(text).then(function () {
        document.getElementById("copy-done").textContent = words.copied || "Copied.";
      });
    });
  }
  function showResult(item, result) {
    result.innerHTML = "";
    if (item.kind === "image") {
      result.appendChild(element("img", {src: item.view, className: "result-preview", alt: item.title}));
    } else if (item.kind === "audio" || item.kind === "video") {
      var media = element(item.kind, {src: item.view, controls: true, preload: "metadata", className: "result-media"});
      media.setAttribute("aria-label", item.title);
      result.appendChild(media);
    } else if (item.kind === "text" && item.text !== null) {
      result.appendChild(element("pre", {className: "result-text", id: "result-text", textContent: item.text}));
      var line = element("p", {});
      var copy = element("button", {type: "button", id: "copy-text", textContent: words.copy || "Copy the text"});
      copy.dataset.target = "result-text";
      var done = element("span", {id: "copy-done"});
      done.setAttribute("role", "status");
      line.appendChild(copy); line.appendChild(document.createTextNode(" ")); line.appendChild(done);
      result.appendChild(line);
    }
    var p = element("p", {});
    p.appendChild(element("a", {className: "button", href: item.download, textContent: (words.download || "Download “{title}”").replace("{title}", item.title)}));
    result.appendChild(p);
    result.hidden = false;
    copyButtons();
  }
  function show(state) {
    document.getElementById("job-status").textContent = statuses[state.status] || state.status;
    var error = document.getElementById("job-error");
    error.hidden = !state.error; error.textContent = state.error || "";
    var result = document.getElementById("job-result");
    if (state.item && result.hidden) { showResult(state.item, result); }
    return state.status === "done" || state.status === "failed";
  }
  function poll() {
    fetch(box.dataset.statusUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}}).then(function (r) { return r.json(); })
      .then(function (state) { if (!show(state)) { setTimeout(poll, 1500); } })
      .catch(function () { setTimeout(poll, 5000); });
  }
  copyButtons();
  if (box.dataset.status !== "done" && box.dataset.status !== "failed") { setTimeout(poll, 1000); }
})();
