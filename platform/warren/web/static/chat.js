(function () {
  var chat = document.getElementById("chat");
  if (chat.dataset.waiting !== "yes") { return; }
  function poll() {
    fetch(chat.dataset.stateUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}}).then(function (r) { return r.json(); }).then(function (state) {
      if (state.waiting) { setTimeout(poll, 1500); return; }
      chat.innerHTML = "";
      state.messages.forEach(function (m) { var li = document.createElement("li"); li.className = "chat-" + m.role; li.textContent = m.content; chat.appendChild(li); });
      document.getElementById("chat-waiting").hidden = true;
      if (state.failure) { var p = document.createElement("p"); p.className = "error"; p.textContent = state.failure; chat.after(p); }
    }).catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 1000);
})();
