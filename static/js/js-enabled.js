// GOV.UK Frontend's body classes, set as soon as the body exists (templates/base.html).
// A file, not an inline script: the Content-Security-Policy allows scripts from self only.
document.body.className +=
  " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " govuk-frontend-supported" : "");
