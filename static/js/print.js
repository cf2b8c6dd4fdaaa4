// Printing: open every closed section, and stamp the time of printing on the marking
// (the page may have been open a while). See static/css/homeward.css.
window.addEventListener("beforeprint", () => {
  document.querySelectorAll("details:not([open])").forEach((details) => {
    details.setAttribute("open", "");
    details.dataset.openedForPrint = "true";
  });
  const at = document.querySelector("[data-printed-at]");
  if (at) {
    at.textContent = new Intl.DateTimeFormat("en-GB", {
      day: "numeric", month: "long", year: "numeric", hour: "2-digit", minute: "2-digit",
      timeZone: "Europe/London",
    }).format(new Date()).replace(" at ", ", ");
  }
});
window.addEventListener("afterprint", () => {
  document.querySelectorAll("details[data-opened-for-print]").forEach((details) => {
    details.removeAttribute("open");
    delete details.dataset.openedForPrint;
  });
});
