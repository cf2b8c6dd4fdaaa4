"""The protocol engine: rules (pure), the child's state, the Deadline ledger, the sweep.

`reconcile(child)` is the one entry point services call after changing case state.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from children.models import Child
    from protocol.ledger import ReconcileResult


def reconcile(child: Child) -> ReconcileResult:
    """Make the child's Deadline ledger match what the rules say now (idempotent)."""
    # Imported on call: protocol's ledger imports case models, which import services'
    # neighbours; services import this package at module load.
    from protocol.ledger import reconcile as reconcile_ledger

    return reconcile_ledger(child)
