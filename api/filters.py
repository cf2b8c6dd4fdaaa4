"""List filters. `updated_since` takes an ISO 8601 time with an offset, like every time here."""

from __future__ import annotations

import datetime as dt

import django_filters
from django import forms
from django.core.exceptions import ValidationError
from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import extend_schema_field
from rest_framework.filters import OrderingFilter

from episodes.models import Category
from protocol.models import Deadline, Rule, Status
from risk.models import Rag, ReferralStatus


class AwareDateTimeFormField(forms.DateTimeField):
    def to_python(self, value):
        if isinstance(value, str) and value.strip():
            try:
                parsed = parse_datetime(value.strip()) if len(value) < 64 else None
            except ValueError:
                parsed = None
            if parsed is None:
                raise ValidationError(
                    "Enter an ISO 8601 time with its offset, e.g. 2026-03-29T01:30:00+00:00."
                )
            if parsed.tzinfo is None:
                raise ValidationError(
                    "Give the time with its UTC offset, e.g. 2026-03-29T01:30:00+00:00."
                )
            try:
                # In UTC: PostgreSQL refuses offsets beyond ±15:59 that Python accepts.
                return parsed.astimezone(dt.UTC)
            except OverflowError as error:
                raise ValidationError("This time is out of range.") from error
        return super().to_python(value)


class UpdatedSinceFilter(django_filters.Filter):
    field_class = AwareDateTimeFormField


BIGINT_MAX = 2**63 - 1


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": BIGINT_MAX})
class IdFilter(django_filters.NumberFilter):
    """A record id: a whole number in PostgreSQL's bigint range."""

    field_class = forms.IntegerField

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", BIGINT_MAX)
        super().__init__(*args, **kwargs)


class ChildFilter(django_filters.FilterSet):
    updated_since = UpdatedSinceFilter(
        field_name="updated_at", lookup_expr="gte", label="Changed at or after"
    )


class EpisodeFilter(django_filters.FilterSet):
    child = IdFilter(field_name="child_id", method="filter_child")
    status = django_filters.ChoiceFilter(
        choices=[("open", "Open"), ("closed", "Closed")], method="filter_status"
    )
    category = django_filters.ChoiceFilter(choices=Category.choices)
    police_reference = django_filters.CharFilter(
        field_name="police_reference", lookup_expr="iexact"
    )
    updated_since = UpdatedSinceFilter(
        field_name="updated_at", lookup_expr="gte", label="Changed at or after"
    )

    def filter_child(self, queryset, name, value):
        # Only a child the user sees: an episode awaiting the council's confirmation of the
        # child does not tell its force which record it sits on (decision 0002).
        from children.selectors import visible_children

        return queryset.filter(
            child_id=value, child_id__in=visible_children(self.request.user).values("pk")
        )

    def filter_status(self, queryset, name, value):
        if value == "open":
            return queryset.filter(returned_at__isnull=True, entered_in_error=False)
        return queryset.exclude(returned_at__isnull=True, entered_in_error=False)


class ChildRecordFilter(django_filters.FilterSet):
    """For risk assessments, return interviews and strategy meetings."""

    child = IdFilter(field_name="child_id")


class AccessGrantFilter(django_filters.FilterSet):
    child = IdFilter(field_name="content_object_id")


class RiskAssessmentFilter(ChildRecordFilter):
    episode = IdFilter(field_name="episode_id")
    rag = django_filters.ChoiceFilter(choices=Rag.choices)


class MashReferralFilter(ChildRecordFilter):
    episode = IdFilter(field_name="episode_id")
    status = django_filters.ChoiceFilter(choices=ReferralStatus.choices)


class MashTriageFilter(ChildRecordFilter):
    episode = IdFilter(field_name="episode_id")
    rag = django_filters.ChoiceFilter(choices=Rag.choices)


class ReturnInterviewFilter(ChildRecordFilter):
    updated_since = UpdatedSinceFilter(
        field_name="updated_at", lookup_expr="gte", label="Changed at or after"
    )


class StrategyMeetingFilter(ChildRecordFilter):
    episode = IdFilter(field_name="episode_id")
    updated_since = UpdatedSinceFilter(
        field_name="updated_at", lookup_expr="gte", label="Changed at or after"
    )


class DeadlineFilter(django_filters.FilterSet):
    child = IdFilter(field_name="child_id")
    episode = IdFilter(field_name="episode_id")
    rule = django_filters.ChoiceFilter(choices=Rule.choices)
    status = django_filters.ChoiceFilter(choices=Status.choices)
    updated_since = UpdatedSinceFilter(
        field_name="updated_at", lookup_expr="gte", label="Changed at or after"
    )

    class Meta:
        model = Deadline
        fields = ["child", "episode", "rule", "status", "updated_since"]


class DocumentedOrderingFilter(OrderingFilter):
    """DRF's ordering, with the view's orderings listed in the OpenAPI schema.

    An ordering by a field two rows can share (`updated_at`: every row a transaction
    writes) is followed by the id, in the same direction: rows of one time then come in
    one order whatever plan PostgreSQL chooses, so a walk of the cursor's pages gives
    the rows of one long page. The cursor's position is still the first field's."""

    def get_ordering(self, request, queryset, view):
        ordering = super().get_ordering(request, queryset, view)
        if not ordering or ordering[-1].lstrip("-") in ("id", "pk"):
            return ordering
        direction = "-" if ordering[-1].startswith("-") else ""
        return (*ordering, f"{direction}id")

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        fields = list(getattr(view, "ordering_fields", None) or [])
        for parameter in parameters:
            parameter["schema"]["enum"] = [*fields, *(f"-{field}" for field in fields)]
            parameter["description"] = (
                "Sort by this field; a leading - for descending. Default: -id."
            )
        return parameters
