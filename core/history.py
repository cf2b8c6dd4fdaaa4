"""Each service labels the history rows it writes with what was done and by whom.

django-pghistory's triggers record every insert, update and delete of a case model; the
middleware adds who asked and through which URL. `@records("Return recorded")` on a
service adds the action and the actor's name to that context, so a child's change
history reads "Return recorded by Sally Walker" rather than "Episode update", for the
browser, the API and the engine alike (the engine's changes read "by Homeward").
"""

from __future__ import annotations

import contextvars
import functools
import json
import uuid
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import pghistory
from django.db import connection

from core.actors import ENGINE, is_engine

P = ParamSpec("P")
R = TypeVar("R")

# The action of the service being run, if any. A service that calls another (reporting an
# episode opens a MASH referral) keeps its own label: one change, one action.
_action: contextvars.ContextVar[str | None] = contextvars.ContextVar("history_action", default=None)


def actor_context(actor: Any) -> dict[str, Any]:
    if is_engine(actor):
        return {"actor": str(actor)}
    name = actor.get_full_name() or actor.username
    return {"actor": name, "user": actor.pk}


def records(action: str) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Label the history rows the decorated service writes with `action` and its actor."""

    def decorate(service: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(service)
        def labelled(*args: P.args, **kwargs: P.kwargs) -> R:
            if _action.get() is not None:
                return service(*args, **kwargs)
            actor = kwargs.get("acting_user")
            context = {"action": action, **(actor_context(actor) if actor is not None else {})}
            token = _action.set(action)
            try:
                with pghistory.context(**context):
                    return service(*args, **kwargs)
            finally:
                _action.reset(token)

        return labelled

    return decorate


def label_engine_transaction() -> None:
    """For the rest of the current transaction: the history rows the triggers write are
    the engine's (context `{"actor": "Homeward"}`), and no trigger is ignored.

    Call it inside `transaction.atomic()` before a bulk write by the engine (the sweep's
    batches, the outbox writer). Without it each trigger call looks for the two settings,
    finds none, and catches the error in a PL/pgSQL exception block: a subtransaction per
    row, whose cost grows with the rows the transaction has written. 20,000 outbox rows
    took 16 s in their history trigger that way and 0.8 s with the settings present
    (bench/sweep.py at 7 million deadlines; decision 0022).
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT set_config('pghistory.context_id', %s, true),"
            " set_config('pghistory.context_metadata', %s, true),"
            " set_config('pgtrigger.ignore', '{}', true)",
            [str(uuid.uuid4()), json.dumps(actor_context(ENGINE))],
        )
