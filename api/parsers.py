"""JSON in, refused whole with a problem (never a 500) when it cannot be taken:

- larger than API_MAX_BODY_BYTES (15 MB: a 10 MB photo in base64 and its fields): 413,
  read no further than the limit, whatever Content-Length claims;
- nested deeper than MAX_DEPTH (no endpoint takes more than 3 levels), or so deep the
  decoder itself gives up: 400;
- text PostgreSQL cannot store (lone surrogates): 400.
"""

from __future__ import annotations

import io

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from api.exceptions import PayloadTooLarge

MAX_DEPTH = 32


def _check(value, depth: int = 1) -> None:
    if depth > MAX_DEPTH:
        raise ParseError(f"The JSON is nested more than {MAX_DEPTH} levels deep.")
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as error:
            raise ParseError("The request contains text that is not valid Unicode.") from error
    elif isinstance(value, dict):
        for key, item in value.items():
            _check(key, depth + 1)
            _check(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _check(item, depth + 1)


def _declared_length(parser_context) -> int:
    request = (parser_context or {}).get("request")
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0) if request is not None else 0
    except ValueError:
        return 0


class StrictJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.API_MAX_BODY_BYTES
        if _declared_length(parser_context) > limit:
            raise PayloadTooLarge()
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise PayloadTooLarge()
        try:
            data = super().parse(io.BytesIO(raw), media_type, parser_context)
        except RecursionError as error:
            raise ParseError(f"The JSON is nested more than {MAX_DEPTH} levels deep.") from error
        _check(data)
        return data
