"""Which children's records one request read, written once at its end (decision 0016).

Every read of case data writes an access event (ARCHITECTURE.md "Audit"). Rather than a
call in each view, the places that hand a visible record to a page or an endpoint note it
here, in memory:

- the selectors that return one visible record (`get_visible_child`, `visible_episode`,
  `visible_interview`, `visible_meeting`, `visible_panel`) and the lists a page shows
  (search results, a panel's cases);
- the API's serializers, for every object they render (a list's page, a retrieve, the
  answer to a write), so an API list's event names the ids it returned.

`children.middleware.AccessLogMiddleware` opens the collection for each request and, when
the response is ready, writes one RecordAccess row per child read, naming the records, in
one bulk INSERT. Outside a request (Celery tasks, commands, tests calling a selector)
nothing is collected: exports keep their own record (reports.ExportJob).
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any


@dataclasses.dataclass
class Reads:
    """What one request has read so far: child id -> the records of it ("episode:12")."""

    reader: Any = None
    channel: str = "web"
    children: dict[int, set[str]] = dataclasses.field(default_factory=dict)


_current: ContextVar[Reads | None] = ContextVar("homeward_reads", default=None)


@contextlib.contextmanager
def collecting(reader: Any = None, *, channel: str = "web") -> Iterator[Reads]:
    reads = Reads(reader=reader, channel=channel)
    token = _current.set(reads)
    try:
        yield reads
    finally:
        _current.reset(token)


def set_reader(reader: Any, *, channel: str) -> None:
    """The API authenticates inside the view (API keys): it names the reader there."""
    reads = _current.get()
    if reads is not None and getattr(reader, "is_authenticated", False):
        reads.reader = reader
        reads.channel = channel


def note_read(child_id: int | None, record: str = "") -> None:
    """Note that this request showed `record` of the child `child_id`."""
    reads = _current.get()
    if reads is None or child_id is None:
        return
    records = reads.children.setdefault(child_id, set())
    if record:
        records.add(record)


def note_record(instance: Any) -> None:
    """Note a model instance: a Child, or a row with a `child_id` (episode, interview...)."""
    if _current.get() is None or instance is None:
        return
    meta = getattr(instance, "_meta", None)
    if meta is None:
        return
    if meta.label == "children.Child":
        note_read(instance.pk, f"child:{instance.pk}")
    elif meta.label == "children.ChildAccessGrant":
        note_read(instance.content_object_id, f"childaccessgrant:{instance.pk}")
    elif hasattr(instance, "child_id"):
        note_read(instance.child_id, f"{meta.model_name}:{instance.pk}")
