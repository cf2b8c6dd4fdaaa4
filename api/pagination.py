"""Cursor pagination: stable under inserts, no COUNT(*), fit for incremental sync."""

from __future__ import annotations

from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import CursorPagination


class ApiCursorPagination(CursorPagination):
    # Newest first by id: unique and indexed, so a page is an index range scan.
    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def decode_cursor(self, request):
        # A cursor is input, not a record: a mangled one is a 400, not DRF's 404.
        try:
            return super().decode_cursor(request)
        except NotFound as error:
            raise ValidationError(
                {"cursor": ["This cursor is not valid: start again from the first page."]}
            ) from error
