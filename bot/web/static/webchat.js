// Web chat client for Wegwijs, speaking Rasa's socketio protocol:
// session_request → session_confirm; user_uttered → bot_uttered {text, quick_replies}.
// Beyond it (bot/channels/webchat.py): history, chat_state, message_state, sign_out /
// signed_out, chat_cleared, bot_turn_done.
(function () {
  "use strict";
  const html = document.documentElement;
  const scroller = document.getElementById("scroller");
  const list = document.getElementById("messages");
  const quick = document.getElementById("quick-replies");
  const typing = document.getElementById("typing");
  const form = document.getElementById("composer");
  const input = document.getElementById("input");
  const status = document.getElementById("status");
  const linkedAs = document.getElementById("linked-as");
  const signOut = document.getElementById("sign-out");
  const question = document.getElementById("sign-out-question");
  const TEXTS = JSON.parse(document.getElementById("page-texts").textContent);
  const RTL = new Set(["ar", "fa_AF"]);
  const STORAGE_KEY = "wegwijs-session";
  const ZONE = "Europe/Amsterdam";

  let sessionId = null;
  try { sessionId = window.localStorage.getItem(STORAGE_KEY); } catch (e) { sessionId = null; }
  let linkedName = null;
  let offline = false;

  function locale() { return html.dataset.locale || "en"; }

  // A text of the page in the current locale; {placeholders} filled from vars.
  function t(key, vars) {
    const texts = TEXTS[locale()] || TEXTS.en;
    return (texts[key] || TEXTS.en[key] || "").replace(/\{(\w+)\}/g, function (m, name) {
      return vars && name in vars ? vars[name] : m;
    });
  }

  function applyTexts() {
    document.title = t("webchat_title");
    input.placeholder = t("webchat_placeholder");
    input.setAttribute("aria-label", t("webchat_message_label"));
    document.getElementById("send").setAttribute("aria-label", t("webchat_send"));
    document.getElementById("languages").setAttribute("aria-label", t("webchat_languages"));
    document.getElementById("typing-text").textContent = t("webchat_typing");
    signOut.textContent = t("webchat_sign_out");
    document.getElementById("sign-out-text").textContent = t("webchat_sign_out_question");
    document.getElementById("sign-out-yes").textContent = t("webchat_sign_out_yes");
    document.getElementById("sign-out-no").textContent = t("webchat_sign_out_no");
    showLinked(linkedName);
    if (offline) status.textContent = t("webchat_offline");
    list.querySelectorAll(".mark").forEach(function (mark) {
      mark.textContent = t(mark.dataset.state === "seen" ? "webchat_seen" : "webchat_delivered");
    });
    list.querySelectorAll("time").forEach(function (el) { el.textContent = when(el.dateTime); });
  }

  function setLocale(value) {
    if (!value || !TEXTS[value]) return;
    html.dataset.locale = value;
    html.lang = value.replace("_", "-");
    html.dir = RTL.has(value) ? "rtl" : "ltr";
    document.querySelectorAll(".lang").forEach(function (b) {
      b.setAttribute("aria-pressed", b.dataset.locale === value ? "true" : "false");
    });
    applyTexts();
  }

  // "today 08:30", "yesterday 21:10", "20 Nov 14:05" (Amsterdam time, Latin digits as
  // in the bot's own answers).
  function when(iso) {
    const date = new Date(iso);
    if (isNaN(date)) return "";
    const lang = html.lang || "en";
    const day = function (d) { return d.toLocaleDateString("en-CA", { timeZone: ZONE }); };
    const time = date.toLocaleTimeString(lang, {
      hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZone: ZONE, numberingSystem: "latn",
    });
    const now = new Date();
    if (day(date) === day(now)) return t("term_today") + " " + time;
    if (day(date) === day(new Date(now.getTime() - 864e5))) return t("term_yesterday") + " " + time;
    return date.toLocaleDateString(lang, {
      day: "numeric", month: "short", timeZone: ZONE, numberingSystem: "latn",
    }) + " " + time;
  }

  // Text with its http(s) links made clickable, built as DOM nodes (never HTML). A link
  // may break after / . ? & = - (a <wbr>), never inside a word of ordinary text.
  // Printable ASCII only: a URL ends at a space, < > " or the first letter of another
  // script (Tigrinya's ። right after a link is not part of it).
  const URL_RE = /\bhttps?:\/\/[!#-;=?-~]+/gi;
  // Latin words, numbers and URLs inside right-to-left text come isolated (U+2066 …
  // U+2069, bot.i18n.render.isolate_ltr): each becomes a left-to-right <bdi>, a URL one
  // box that wraps only inside itself, a short run ("Mijn toeslagen") on one line, so a
  // line break never reorders them.
  const ISOLATE_RE = /\u2066([^\u2069]*)\u2069/g;
  const SHORT_RUN = 32;
  function appendText(parent, text) {
    let last = 0;
    text.replace(ISOLATE_RE, function (match, inner, offset) {
      appendLinked(parent, text.slice(last, offset));
      const run = document.createElement("bdi");
      run.dir = "ltr";
      if (!/https?:\/\//i.test(inner) && inner.length <= SHORT_RUN) run.className = "ltr-run";
      // The isolate's own marks stay inside it: the text reads (and copies) as sent.
      run.appendChild(document.createTextNode("\u2066"));
      appendLinked(run, inner);
      run.appendChild(document.createTextNode("\u2069"));
      parent.appendChild(run);
      last = offset + match.length;
      return match;
    });
    appendLinked(parent, text.slice(last));
  }
  // Dutch phone numbers become tel: links, so that a person in danger can tap 112 or 113 on
  // a phone: 112 and 113 on their own, 14 020, 0800/0900 numbers and ten-digit numbers
  // (088 003 0600, 020-1234567). Never a number inside an amount, a date or a longer number
  // ("€112,50", "2026", "1.112") or an account number ("NL91ABNA0417164300"): no digit,
  // Latin letter, €, comma or point next to it.
  const TEL_RE = /(?<![A-Za-z\d€$.,:\/-])(?:11[23]|14 ?0\d{2,3}|0[89]00[- ]?\d{4,7}|0\d{1,3}[- ]?\d{3}[- ]?\d{2,4}|0\d{9})(?![A-Za-z\d€]|[.,:\/-]\d)/g;
  const LINK_RE = new RegExp(URL_RE.source + "|" + TEL_RE.source, "gi");
  function appendLinked(parent, text) {
    let last = 0;
    text.replace(LINK_RE, function (match, offset) {
      const isUrl = /^https?:/i.test(match);
      let url = isUrl ? match.replace(/[.,;:!?)\]}'"»]+$/, "") : match;  // sentence punctuation stays outside
      parent.appendChild(document.createTextNode(text.slice(last, offset)));
      const a = document.createElement("a");
      a.dir = "ltr";
      if (isUrl) {
        a.href = url;
        a.target = "_blank";
        a.rel = "noopener noreferrer";
        url.split(/(?<=[/.?&=\-_])/).forEach(function (part, i) {
          if (i) a.appendChild(document.createElement("wbr"));
          a.appendChild(document.createTextNode(part));
        });
      } else {
        a.href = "tel:" + url.replace(/\D/g, "");
        a.className = "tel";
        a.appendChild(document.createTextNode(url));
      }
      parent.appendChild(a);
      last = offset + url.length;
      return match;
    });
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function scrollToEnd() { scroller.scrollTop = scroller.scrollHeight; }

  // who: "user", "bot" or "staff"; meta: {locale, dir, at, state, clientId}
  function addMessage(text, who, meta) {
    meta = meta || {};
    const li = document.createElement("li");
    li.className = "msg " + (who === "staff" ? "bot staff" : who);
    const body = document.createElement("div");
    body.className = "text";
    appendText(body, text);
    li.appendChild(body);
    if (who === "staff" || who === "user") {
      li.dir = "auto";  // the person and the casemanager may write in any language
    } else if (meta.locale) {
      li.lang = meta.locale.replace("_", "-");
      li.dir = meta.dir || (RTL.has(meta.locale) ? "rtl" : "ltr");
    } else {
      li.dir = "auto";
    }
    const info = document.createElement("div");
    info.className = "info";
    const time = document.createElement("time");
    time.dateTime = meta.at || new Date().toISOString();
    time.textContent = when(time.dateTime);
    info.appendChild(time);
    li.appendChild(info);
    if (meta.clientId) li.dataset.clientId = meta.clientId;
    // Marks only on what the person sent that reached a casemanager (a reply shown
    // on the screen needs none).
    if (who === "user" && (meta.state === "delivered" || meta.state === "seen")) mark(li, meta.state);
    list.appendChild(li);
    scrollToEnd();
    return li;
  }

  // "Delivered" / "Seen by your casemanager" under a message the person sent.
  function mark(li, state) {
    let el = li.querySelector(".mark");
    if (!el) {
      el = document.createElement("span");
      el.className = "mark";
      li.querySelector(".info").appendChild(el);
    }
    if (el.dataset.state === "seen") return;  // never back from seen
    el.dataset.state = state;
    el.textContent = t(state === "seen" ? "webchat_seen" : "webchat_delivered");
  }

  function addNotice(text) {
    const li = document.createElement("li");
    li.className = "notice";
    li.setAttribute("role", "status");
    li.textContent = text;
    list.appendChild(li);
    scrollToEnd();
  }

  // Quick replies stay until one is used, the person writes, or new ones replace them.
  function showQuickReplies(replies, meta) {
    if (!replies || !replies.length) return;
    quick.textContent = "";
    replies.forEach(function (r) {
      const b = document.createElement("button");
      b.type = "button";
      b.textContent = r.title;
      b.dir = "auto";
      b.addEventListener("click", function () { send(r.payload, r.title); });
      quick.appendChild(b);
    });
    if (meta && meta.dir) quick.dir = meta.dir;
    scrollToEnd();
  }

  function setTyping(on) {
    typing.hidden = !on;
    if (on) scrollToEnd();
  }

  function showLinked(name) {
    linkedName = name || null;
    linkedAs.hidden = !linkedName;
    linkedAs.textContent = linkedName ? t("webchat_linked_as", { first_name: linkedName }) : "";
  }

  function clearScreen() {
    list.textContent = "";
    quick.textContent = "";
    setTyping(false);
  }

  const socket = io({ path: "/socket.io/", transports: ["websocket", "polling"] });

  // Messages typed while the connection is down (the app restarting) wait here and go
  // out, in order, once the session is confirmed again: socket.io's own buffer would send
  // them before session_request, into no conversation.
  let confirmed = false;
  const waiting = [];
  let counter = 0;

  function requestSession() {
    confirmed = false;
    socket.emit("session_request", {
      session_id: sessionId,
      customData: { language: html.dataset.locale || navigator.language },
    });
  }

  socket.on("connect", function () {
    offline = false;
    status.textContent = "";
    requestSession();
  });
  socket.on("disconnect", function () {
    offline = true;
    confirmed = false;
    status.textContent = t("webchat_offline");
  });
  socket.on("history", function (data) {
    // What was said so far, as the server knows it (this tab may have shown less).
    clearScreen();
    (data.messages || []).forEach(function (m) {
      if (m.from === "bot" && m.locale) setLocale(m.locale);
      addMessage(m.text, m.from, { locale: m.locale, dir: m.dir, at: m.at, state: m.state });
    });
    showQuickReplies(data.quick_replies, {});
    // What was typed while disconnected is not in it yet: it stays on the screen and
    // goes out once the session is confirmed.
    waiting.forEach(function (w) { addMessage(w.shown, "user", { clientId: w.data.client_id }); });
  });
  socket.on("session_confirm", function (data) {
    sessionId = data.session_id;
    try { window.localStorage.setItem(STORAGE_KEY, sessionId); } catch (e) { /* private mode */ }
    confirmed = true;
    while (waiting.length) {
      const queued = waiting.shift().data;
      queued.session_id = sessionId;
      socket.emit("user_uttered", queued);
    }
  });
  socket.on("chat_state", function (data) { showLinked(data.linked_as); });
  socket.on("message_state", function (data) {
    const mine = list.querySelectorAll(".msg.user");
    if (data.client_id) {
      mine.forEach(function (li) { if (li.dataset.clientId === data.client_id) mark(li, data.state); });
    } else if (data.state === "seen") {
      // The casemanager opened the conversation: what reached the inbox is read.
      mine.forEach(function (li) { if (li.querySelector(".mark")) mark(li, "seen"); });
    }
  });
  socket.on("bot_uttered", function (data) {
    const meta = data.metadata || {};
    const staff = meta.from === "staff";
    if (meta.locale) setLocale(meta.locale);
    if (meta.missed && staff && meta.name) addNotice(t("webchat_reply_from", { name: meta.name }));
    if (staff) {
      // A reply: what the person wrote before was read.
      list.querySelectorAll(".msg.user .mark").forEach(function (el) { mark(el.closest("li"), "seen"); });
    }
    if (data.text) addMessage(data.text, staff ? "staff" : "bot", { locale: meta.locale, dir: meta.dir });
    showQuickReplies(data.quick_replies, meta);
  });
  socket.on("bot_turn_done", function () { setTyping(false); });
  socket.on("message_not_stored", function (data) {
    // The database stayed busy and nothing of the message was kept: the answer asks the
    // person to send it again, and the text goes back into the composer (unless they
    // have started typing something else), so nothing they wrote is lost.
    setTyping(false);
    if (data && typeof data.message === "string" && !input.value.trim() &&
        data.message.charAt(0) !== "/") {
      input.value = data.message;
    }
  });
  socket.on("chat_cleared", function () { clearScreen(); });
  socket.on("signed_out", function () {
    // This chat is over on this device: nothing of it stays on the screen or in storage;
    // a new session starts with the ordinary welcome.
    clearScreen();
    showLinked(null);
    question.hidden = true;
    sessionId = null;
    try { window.localStorage.removeItem(STORAGE_KEY); } catch (e) { /* private mode */ }
    addNotice(t("webchat_signed_out"));
    requestSession();
  });

  function send(message, shown) {
    if (!message) return;
    const clientId = "m" + (++counter) + "-" + Date.now();
    addMessage(shown || message, "user", { clientId: clientId });
    quick.textContent = "";
    setTyping(true);
    const data = {
      message: message,
      session_id: sessionId,
      client_id: clientId,
      customData: { language: html.dataset.locale },
    };
    if (confirmed && socket.connected) socket.emit("user_uttered", data);
    else waiting.push({ data: data, shown: shown || message });
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
  signOut.addEventListener("click", function () {
    question.hidden = false;
    document.getElementById("sign-out-no").focus();
  });
  document.getElementById("sign-out-no").addEventListener("click", function () { question.hidden = true; });
  document.getElementById("sign-out-yes").addEventListener("click", function () {
    if (confirmed && socket.connected) socket.emit("sign_out", {});
  });
  applyTexts();
})();
