"""Take the GOV.UK brand out of the vendored GOV.UK Frontend (run by vendor_frontend.sh).

Homeward is a council service, not GOV.UK. The Design System lets services outside
GOV.UK use its patterns, but not the GOV.UK brand: the GDS Transport typeface, the crown
and the GOV.UK icons are for GOV.UK only. The compiled CSS names GDS Transport first, so
it is rewritten to Arial (what GOV.UK Frontend uses when `$govuk-font-family` is Arial)
and its @font-face rules and font files are removed, with the GOV.UK images.

    python scripts/rebrand_frontend.py static/vendor/govuk-frontend
"""

from __future__ import annotations

import re
import shutil
import sys
from pathlib import Path

FONT_FACE = re.compile(r"@font-face\{font-family:GDS Transport;[^}]*\}")
# The Crown copyright crest of the GOV.UK footer (and its @supports twin): the rules
# that draw it go with the image, so no stylesheet points at a file that is not there.
CREST_RULE = re.compile(
    r"@supports \(\(-webkit-mask-position:initial\)[^{]*\{[^{}]*crest[^}]*\}\}|[^{}]*\{[^{}]*govuk-crest\.svg[^}]*\}"
)
BRAND_FILES = (
    "assets/fonts",
    "assets/images",
    "assets/manifest.json",
    "assets/rebrand",
)


def rebrand(root: Path) -> None:
    css_path = root / "govuk-frontend.min.css"
    css = css_path.read_text()
    css = FONT_FACE.sub("", css)
    css = CREST_RULE.sub("", css)
    if "/assets/" in css:
        raise SystemExit("rebrand_frontend: the CSS still points at a GOV.UK asset")
    css = css.replace('"GDS Transport",arial', "arial").replace("GDS Transport,arial", "arial")
    if "GDS Transport" in css:
        raise SystemExit("rebrand_frontend: GDS Transport is still named in the CSS")
    css_path.write_text(css)
    for name in BRAND_FILES:
        path = root / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()


if __name__ == "__main__":
    rebrand(Path(sys.argv[1]))
