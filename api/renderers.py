"""JSON rendered by orjson: the same bytes as DRF's JSONRenderer, several times faster.

For the lists that police systems poll (issue 13). DRF renders compact JSON with non-ASCII
characters as they are and U+2028 / U+2029 escaped; orjson writes the same for the
strings, integers, booleans, nulls, lists and dicts that `represent_episode_row` gives.
Anything else (a pretty-printing `Accept: ...; indent=`, a type orjson does not write as
DRF would: times, decimals, lazy text, floats) is rendered by DRF's own path, so a new
field can change speed, never bytes. tests/api/test_episode_list_rows.py compares both.
"""

from __future__ import annotations

import orjson
from rest_framework.renderers import JSONRenderer

# orjson leaves these to `default` (there is none: TypeError), so DRF's path renders them.
_NOT_NATIVE = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def _has_float(data) -> bool:
    # orjson writes NaN as null and 1e16 as 1e16 where DRF refuses NaN and writes 1e+16.
    if isinstance(data, float):
        return True
    if isinstance(data, dict):
        return any(_has_float(value) for value in data.values())
    if isinstance(data, list | tuple):
        return any(_has_float(value) for value in data)
    return False


class OrjsonRenderer(JSONRenderer):
    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        indent = self.get_indent(accepted_media_type, renderer_context or {})
        if indent is None and self.compact and not self.ensure_ascii and not _has_float(data):
            try:
                body = orjson.dumps(data, option=_NOT_NATIVE)
            except TypeError:
                pass
            else:
                return body.replace(b"\xe2\x80\xa8", b"\\u2028").replace(
                    b"\xe2\x80\xa9", b"\\u2029"
                )
        return super().render(data, accepted_media_type, renderer_context)
