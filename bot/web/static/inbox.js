// Live inbox: the server sends 'change' (server-sent events) when an escalation or a
// message changes; htmx then reloads the parts that listen for 'inbox-change'.
(function () {
  "use strict";
  if (!window.EventSource) return;
  const source = new EventSource("/inbox/events");
  source.onmessage = function () {
    document.body.dispatchEvent(new CustomEvent("inbox-change"));
  };
})();
