// Start GOV.UK Frontend's components (templates/base.html). A file, not an inline script:
// the Content-Security-Policy allows scripts from self only.
import { initAll } from "../vendor/govuk-frontend/govuk-frontend.min.js";

initAll();
