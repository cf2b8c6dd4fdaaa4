"""Alerts for partner agencies (Haringey protocol 18.5, 24.1): the high-risk children
missing now, for the agencies of the exploitation panel to flag in their own systems.

An alert is an open episode (not entered in error, not awaiting the council's match) of
a child at high risk: police grade the episode high, or the child's latest RAG rating is
Red. It is withdrawn when the child returns (the episode closes): a read, not a record, so
nothing can be left behind. Each reader sees only the children they may see
(`children.selectors.child_visibility`): a partner practitioner, the children linked to
them.
"""

from __future__ import annotations

from django.db.models import OuterRef, Q, QuerySet, Subquery

from children.selectors import child_visibility
from episodes.models import Episode
from risk.models import RiskAssessment


def high_risk_missing_now(user) -> QuerySet[Episode]:
    latest_rag = Subquery(
        RiskAssessment.objects.filter(child_id=OuterRef("child_id"))
        .order_by("-assessed_at", "-pk")
        .values("rag")[:1]
    )
    return (
        Episode.objects.filter(
            returned_at__isnull=True,
            entered_in_error=False,
            awaiting_match=False,
        )
        # From the reader's children to their open episodes (`drive`: the index of open
        # episodes by child), not from every open episode in the country.
        .filter(child_visibility(user, "child_id", drive=True))
        .annotate(latest_rag=latest_rag)
        .filter(Q(police_risk="high") | Q(latest_rag="red"))
        .select_related("child")
    )


def alert_reason(episode: Episode) -> str:
    if episode.police_risk == "high":
        return "police_high_risk"
    return "rated_red"
