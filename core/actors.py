"""Who acts: a person (a `agencies.models.User`) or the engine.

Every service takes `acting_user: Actor` (`agencies.models.Actor` = `User | Engine`). A
person is always checked against the action table (`children.permissions.require`); the
engine, which breaches deadlines and reclassifies episodes on the protocol's own clock,
and the operator's management commands, act as `ENGINE`, a named actor, never `None`,
so no code path skips a permission check by forgetting an argument.
"""

from __future__ import annotations

from typing import Final

from typing_extensions import TypeIs


class Engine:
    """Homeward acting on its own: the sweep, the nightly reconcile, operators' commands."""

    is_engine: Final = True
    is_authenticated: Final = False
    is_active: Final = True
    pk = None

    def __str__(self) -> str:
        return "Homeward"

    def __repr__(self) -> str:
        return "ENGINE"

    def get_full_name(self) -> str:
        return "Homeward (the protocol engine)"


ENGINE: Final = Engine()


def is_engine(actor: object) -> TypeIs[Engine]:
    return isinstance(actor, Engine)
