"""The child's record and the episode page show what contextual safeguarding knows,
drawn by these tags so the top floor's views stay as they are."""

from __future__ import annotations

from django import template

from children.permissions import Action, Sight, may, may_on_episode, sights_for
from contextual.selectors import associates_of, missing_with_for_child

register = template.Library()


@register.inclusion_tag("contextual/_child_sections.html", takes_context=True)
def child_context(context, child):
    user = context["request"].user
    together = missing_with_for_child(user, child)
    sees_associates = Sight.PANELS in sights_for(user, child)
    associate_rows = associates_of(child) if sees_associates else []
    return {
        "child": child,
        "together": together,
        "together_times": sum(row.times for row in together),
        "sees_associates": sees_associates,
        "associates_total": len(associate_rows),
        "associates_unverified": sum(1 for row in associate_rows if not row.verified),
        "may_refer": may(user, Action.REFER_TO_PANEL, child),
    }


@register.simple_tag(takes_context=True)
def may_record_context(context, episode) -> bool:
    return may_on_episode(
        context["request"].user, Action.REPORT_EPISODE, episode.child, episode.police_force_id
    )
