// Web chat client for Wegwijs, speaking Rasa's socketio protocol:
// session_request → session_confirm; user_uttered → bot_uttered {text, quick_replies}.
(function () {
  "use strict";
  const html = document.documentElement;
  const list = document.getElementById("messages");
  const quick = document.getElementById("quick-replies");
  const form = document.getElementById("composer");
  const input = document.getElementById("input");
  const status = document.getElementById("status");
  const RTL = new Set(["ar", "fa_AF"]);
  const STORAGE_KEY = "wegwijs-session";

  let sessionId = null;
  try { sessionId = window.localStorage.getItem(STORAGE_KEY); } catch (e) { sessionId = null; }

  function setLocale(locale) {
    if (!locale) return;
    html.dataset.locale = locale;
    html.lang = locale.replace("_", "-");
    html.dir = RTL.has(locale) ? "rtl" : "ltr";
    document.querySelectorAll(".lang").forEach(function (b) {
      b.setAttribute("aria-pressed", b.dataset.locale === locale ? "true" : "false");
    });
  }

  function addMessage(text, who, meta) {
    const li = document.createElement("li");
    li.className = "msg " + who;
    li.textContent = text;  // never HTML: user and catalog text are data
    if (meta && meta.from === "staff") {
      li.dir = "auto";  // the casemanager may write in any language
    } else if (meta && meta.locale) {
      li.lang = meta.locale.replace("_", "-");
      li.dir = meta.dir || (RTL.has(meta.locale) ? "rtl" : "ltr");
    } else {
      li.dir = "auto";
    }
    list.appendChild(li);
    li.scrollIntoView({ block: "end" });
    return li;
  }

  function showQuickReplies(replies, meta) {
    quick.textContent = "";
    (replies || []).forEach(function (r) {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = r.title;
      b.dir = "auto";
      b.addEventListener("click", function () { send(r.payload, r.title); });
      quick.appendChild(b);
    });
    if (meta && meta.dir) quick.dir = meta.dir;
  }

  const socket = io({ path: "/socket.io/", transports: ["websocket", "polling"] });

  // Messages typed while the connection is down (the app restarting) wait here and go
  // out, in order, once the session is confirmed again: socket.io's own buffer would send
  // them before session_request, into no conversation.
  let confirmed = false;
  const waiting = [];

  socket.on("connect", function () {
    status.textContent = "";
    confirmed = false;
    socket.emit("session_request", {
      session_id: sessionId,
      customData: { language: html.dataset.locale || navigator.language },
    });
  });
  socket.on("disconnect", function () { status.textContent = "…"; confirmed = false; });
  socket.on("session_confirm", function (data) {
    sessionId = data.session_id;
    try { window.localStorage.setItem(STORAGE_KEY, sessionId); } catch (e) { /* private mode */ }
    confirmed = true;
    while (waiting.length) {
      const queued = waiting.shift();
      queued.session_id = sessionId;
      socket.emit("user_uttered", queued);
    }
  });
  socket.on("bot_uttered", function (data) {
    const meta = data.metadata || {};
    if (meta.locale) setLocale(meta.locale);
    // A casemanager's message (handoff) looks different from the bot's.
    if (data.text) addMessage(data.text, meta.from === "staff" ? "bot staff" : "bot", meta);
    showQuickReplies(data.quick_replies, meta);
  });

  function send(message, shown) {
    if (!message) return;
    addMessage(shown || message, "user", null);
    quick.textContent = "";
    const data = {
      message: message,
      session_id: sessionId,
      customData: { language: html.dataset.locale },
    };
    if (confirmed && socket.connected) socket.emit("user_uttered", data);
    else waiting.push(data);
  }

  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    const text = input.value.trim();
    input.value = "";
    send(text);
  });
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "Enter" && !ev.shiftKey) { ev.preventDefault(); form.requestSubmit(); }
  });
  document.querySelectorAll(".lang").forEach(function (b) {
    b.addEventListener("click", function () {
      send('/set_language{"language": "' + b.dataset.locale + '"}', b.textContent);
    });
  });
})();
