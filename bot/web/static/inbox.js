// Live inbox: the server sends 'change' (server-sent events) when an escalation or a
// message changes; htmx then reloads the parts that listen for 'inbox-change'.
// The tab title carries the number of open requests: "(3) Inbox · Wegwijs".
(function () {
  "use strict";

  function updateTitle() {
    const count = document.getElementById("waiting-count");
    if (!count) return;
    const n = parseInt(count.dataset.count || "0", 10);
    const base = document.title.replace(/^\(\d+\) /, "");
    document.title = n > 0 ? "(" + n + ") " + base : base;
  }
  document.body.addEventListener("htmx:afterSwap", updateTitle);

  // Closing asks first, then waits a few seconds during which it can be undone; only
  // then is the form sent. Without JavaScript the form is sent at once.
  const UNDO_S = 5;
  document.querySelectorAll("form.close-form").forEach(function (form) {
    const dialog = document.getElementById("close-dialog");
    const pending = document.getElementById("close-pending");
    if (!dialog || !pending || !dialog.showModal) return;
    let timer = null;
    form.addEventListener("submit", function (event) {
      if (form.dataset.confirmed === "1") return;
      event.preventDefault();
      dialog.showModal();
    });
    dialog.addEventListener("close", function () {
      if (dialog.returnValue !== "confirm") return;
      pending.hidden = false;
      let left = UNDO_S;
      const seconds = pending.querySelector(".seconds");
      seconds.textContent = String(left);
      timer = setInterval(function () {
        left -= 1;
        seconds.textContent = String(left);
        if (left <= 0) {
          clearInterval(timer);
          form.dataset.confirmed = "1";
          form.requestSubmit ? form.requestSubmit() : form.submit();
        }
      }, 1000);
    });
    pending.querySelector("button.undo").addEventListener("click", function () {
      clearInterval(timer);
      pending.hidden = true;
    });
  });

  // Reply templates: only the chosen template's fields are shown, asked for and sent
  // ("Something else" asks for the document in words); after sending, the form and its
  // preview start again. Without JavaScript every field shows and the server uses the
  // template's own.
  document.querySelectorAll("form.template-reply").forEach(function (form) {
    const choice = form.querySelector("select[name=template]");
    const documentChoice = form.querySelector("select[name=document]");
    const preview = form.querySelector(".preview");
    const emptyPreview = preview ? preview.innerHTML : "";
    function showFields() {
      const option = choice.selectedOptions[0];
      const wanted = ((option && option.dataset.fields) || "").split(" ").filter(Boolean);
      if (wanted.indexOf("document") >= 0 && documentChoice && documentChoice.value === "other") {
        wanted.push("document_text");
      }
      form.querySelectorAll("[data-field]").forEach(function (label) {
        const on = wanted.indexOf(label.dataset.field) >= 0;
        label.hidden = !on;
        label.querySelectorAll("input, select").forEach(function (input) {
          input.disabled = !on;
          input.required = on;
        });
      });
    }
    choice.addEventListener("change", showFields);
    if (documentChoice) documentChoice.addEventListener("change", showFields);
    form.addEventListener("template-sent", function () {
      form.reset();
      showFields();
      if (preview) preview.innerHTML = emptyPreview;
    });
    showFields();
  });

  // Keyboard (outside a field): "r" goes to the answer box, "t" to the reply templates.
  document.addEventListener("keydown", function (event) {
    const tag = (event.target.tagName || "").toLowerCase();
    if (event.ctrlKey || event.metaKey || event.altKey || tag === "input" || tag === "textarea" || tag === "select") return;
    const reply = document.getElementById("reply-text");
    const template = document.getElementById("template-choice");
    if (event.key === "r" && reply) { event.preventDefault(); reply.focus(); }
    if (event.key === "t" && template) {
      event.preventDefault();
      template.closest("details").open = true;
      template.focus();
    }
  });

  if (!window.EventSource) return;
  const source = new EventSource("/inbox/events");
  source.onmessage = function () {
    document.body.dispatchEvent(new CustomEvent("inbox-change"));
  };
})();
