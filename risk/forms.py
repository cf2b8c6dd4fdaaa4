"""Forms for MASH triage. The date and time fields every page shares are in core.forms."""

from __future__ import annotations

from django import forms

from core.forms import BoundedForm, LondonDateTimeField, RecordVersionMixin
from risk.models import Indicator, Rag

THRESHOLD_LEVELS = [
    (1, "Level 1: universal services"),
    (2, "Level 2: early help"),
    (3, "Level 3: targeted support (child in need)"),
    (4, "Level 4: statutory (child protection)"),
]


def _confirm_green(form: forms.Form, data: dict, indicators: bool) -> None:
    # Green sets the longest clock. At threshold level 4, or with exploitation
    # indicators, it is more likely a slip than a judgement: ask once (issue 11).
    if (
        data.get("rag") == Rag.GREEN
        and (data.get("threshold_level") == 4 or indicators)
        and not data.get("confirm_green")
    ):
        reasons = []
        if data.get("threshold_level") == 4:
            reasons.append("threshold level 4")
        if indicators:
            reasons.append("exploitation indicators")
        form.add_error(
            "confirm_green",
            f"You rated Green with {' and '.join(reasons)}. Check the rating, or confirm "
            "that Green is right",
        )


class MashTriageForm(RecordVersionMixin, BoundedForm):
    """MASH's triage of a referral: the rating that sets the risk assessment's clock."""

    rag = forms.ChoiceField(
        label="MASH RAG rating",
        choices=Rag.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose Red, Amber or Green"},
        help_text="Sets when the missing child risk assessment is due: Red within 4 hours of "
        "the report, Amber 24 hours, Green 72 hours.",
    )
    threshold_level = forms.TypedChoiceField(
        label="Threshold level",
        choices=THRESHOLD_LEVELS,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the threshold level"},
    )
    reason = forms.CharField(
        label="Reason for this rating",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="Required for Red.",
    )
    triaged_at = LondonDateTimeField(
        label="When MASH triaged it",
        required=False,
        help_text="Leave empty for now. For example, 27 3 2026 and 09 15, as UK clocks showed it.",
    )
    confirm_green = forms.BooleanField(
        label="I have checked: Green is right for this child", required=False
    )

    def __init__(self, *args, threshold_hint: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if threshold_hint:
            self.fields["threshold_level"].help_text = threshold_hint

    @property
    def asks_to_confirm_green(self) -> bool:
        return "confirm_green" in self.errors

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("rag") == Rag.RED and not (data.get("reason") or "").strip():
            self.add_error("reason", "Say why the referral is triaged Red")
        _confirm_green(self, data, indicators=False)
        return data


class RiskAssessmentForm(RecordVersionMixin, BoundedForm):
    """The missing child risk assessment record: indicators, analysis, plan, and the
    rating it concludes (set from the triage; changed where the assessment reviews it)."""

    rag = forms.ChoiceField(
        label="RAG rating after assessment",
        choices=Rag.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose Red, Amber or Green"},
    )
    threshold_level = forms.TypedChoiceField(
        label="Threshold level",
        choices=THRESHOLD_LEVELS,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the threshold level"},
    )
    indicators = forms.MultipleChoiceField(
        label="Exploitation indicators",
        choices=Indicator.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Select all that apply.",
    )
    rationale = forms.CharField(
        label="Analysis",
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        help_text="What the information from partner agencies shows. Required for a Red rating.",
    )
    plan = forms.CharField(
        label="Plan",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="Vulnerabilities and risk factors, and how to manage any missing episode "
        "and find the child (Haringey protocol 15.4).",
    )
    assessed_at = LondonDateTimeField(
        label="When the assessment was completed",
        required=False,
        help_text="Leave empty for now. For example, 27 3 2026 and 09 15, as UK clocks showed it.",
    )
    confirm_green = forms.BooleanField(
        label="I have checked: Green is right for this child", required=False
    )

    def __init__(self, *args, threshold_hint: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if threshold_hint:
            self.fields["threshold_level"].help_text = threshold_hint

    @property
    def asks_to_confirm_green(self) -> bool:
        return "confirm_green" in self.errors

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("rag") == Rag.RED and not (data.get("rationale") or "").strip():
            self.add_error("rationale", "Say why the child is rated Red")
        _confirm_green(self, data, indicators=bool(data.get("indicators")))
        return data
