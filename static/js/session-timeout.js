// Session timeout warning, and a guard against losing a half-filled form.
//
// The server ends a session SESSION_COOKIE_AGE seconds after the last request (every
// request renews it). Before that, a modal dialog warns, offers "Stay signed in" (a POST
// to the keep-alive endpoint) and says plainly that nothing on the page is saved for
// them. When the time runs out the page stays as it is, so typed answers are still on
// screen to copy; nothing is submitted or saved silently.
//
// A form posted from the page's main content (or any form marked data-unsaved-guard) asks
// before the page is left with unsaved changes; data-unsaved-guard="off" opts a form out.

const root = document.querySelector("[data-session-timeout]");

function csrfToken() {
  const field = document.querySelector("input[name=csrfmiddlewaretoken]");
  if (field) return field.value;
  const match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

function minutesAndSeconds(seconds) {
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  const parts = [];
  if (minutes) parts.push(`${minutes} minute${minutes === 1 ? "" : "s"}`);
  if (rest || !minutes) parts.push(`${rest} second${rest === 1 ? "" : "s"}`);
  return parts.join(" ");
}

function startSessionTimeout(element) {
  const timeout = Number(element.dataset.timeoutSeconds);
  const warnBefore = Number(element.dataset.warningSeconds);
  const keepAliveUrl = element.dataset.keepAliveUrl;
  const dialog = element.querySelector("dialog");
  const countdown = element.querySelector("[data-countdown]");
  const warning = element.querySelector("[data-warning]");
  const ended = element.querySelector("[data-ended]");
  const stay = element.querySelector("[data-stay-signed-in]");
  let expiresAt = Date.now() + timeout * 1000;
  let ticker = null;
  let lastFocus = null;

  function open() {
    if (dialog.open) return;
    lastFocus = document.activeElement;
    warning.hidden = false;
    ended.hidden = true;
    dialog.showModal();
    stay.focus();
  }

  function close() {
    if (dialog.open) dialog.close();
    if (lastFocus && lastFocus.focus) lastFocus.focus();
  }

  function tick() {
    const left = Math.max(0, Math.round((expiresAt - Date.now()) / 1000));
    if (left <= 0) {
      warning.hidden = true;
      ended.hidden = false;
      if (!dialog.open) dialog.showModal();
      ended.querySelector("a, button").focus();
      clearInterval(ticker);
      ticker = null;
      return;
    }
    if (left <= warnBefore) {
      countdown.textContent = minutesAndSeconds(left);
      open();
    }
  }

  function restart(seconds) {
    expiresAt = Date.now() + (seconds || timeout) * 1000;
    if (!ticker) ticker = setInterval(tick, 1000);
  }

  async function keepAlive() {
    stay.disabled = true;
    try {
      const response = await fetch(keepAliveUrl, {
        method: "POST",
        credentials: "same-origin",
        headers: { "X-CSRFToken": csrfToken(), "X-Requested-With": "XMLHttpRequest" },
      });
      if (response.ok) {
        const body = await response.json();
        close();
        restart(body.expires_in);
      } else {
        expiresAt = Date.now();
        tick();
      }
    } finally {
      stay.disabled = false;
    }
  }

  stay.addEventListener("click", keepAlive);
  for (const button of element.querySelectorAll("[data-close-dialog]")) {
    button.addEventListener("click", () => dialog.close());
  }
  // Escape would close the dialog without renewing the session: treat it as "stay".
  dialog.addEventListener("cancel", (event) => {
    event.preventDefault();
    if (!warning.hidden) keepAlive();
  });
  // Every request to the server renews the session, htmx ones included.
  document.body.addEventListener("htmx:afterRequest", () => restart());
  ticker = setInterval(tick, 1000);
}

function guardUnsavedForms() {
  const dirty = new Set();
  const forms = document.querySelectorAll(
    'form[data-unsaved-guard], main form[method="post" i]:not([data-unsaved-guard="off"])',
  );
  for (const form of forms) {
    const mark = () => dirty.add(form);
    form.addEventListener("input", mark);
    form.addEventListener("change", mark);
    form.addEventListener("submit", () => dirty.delete(form));
  }
  window.addEventListener("beforeunload", (event) => {
    if (dirty.size) {
      event.preventDefault();
      // Older browsers show the prompt only when returnValue is set.
      event.returnValue = "";
    }
  });
}

if (root) startSessionTimeout(root);
guardUnsavedForms();
