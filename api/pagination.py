"""Cursor pagination: stable under inserts, no COUNT(*), fit for incremental sync."""

from __future__ import annotations

from rest_framework.pagination import CursorPagination


class ApiCursorPagination(CursorPagination):
    # Newest first by id: unique and indexed, so a page is an index range scan.
    ordering = "-id"
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
