"""Forms for MASH triage. The date and time fields every page shares are in core.forms."""

from __future__ import annotations

from django import forms

from core.forms import BoundedForm
from risk.models import Indicator, Rag

THRESHOLD_LEVELS = [
    (1, "Level 1: universal services"),
    (2, "Level 2: early help"),
    (3, "Level 3: targeted support (child in need)"),
    (4, "Level 4: statutory (child protection)"),
]


class RiskAssessmentForm(BoundedForm):
    rag = forms.ChoiceField(
        label="RAG rating",
        choices=Rag.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose Red, Amber or Green"},
        help_text="Red: assess within 4 hours. Amber: within 24 hours. Green: within 72 hours.",
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
        label="Why this rating",
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        help_text="Required for a Red rating.",
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
        # Green sets the longest clock. At threshold level 4, or with exploitation
        # indicators, it is more likely a slip than a judgement: ask once (issue 11).
        if (
            data.get("rag") == Rag.GREEN
            and (data.get("threshold_level") == 4 or data.get("indicators"))
            and not data.get("confirm_green")
        ):
            reasons = []
            if data.get("threshold_level") == 4:
                reasons.append("threshold level 4")
            if data.get("indicators"):
                reasons.append("exploitation indicators")
            self.add_error(
                "confirm_green",
                f"You rated Green with {' and '.join(reasons)}. Check the rating, or confirm "
                "that Green is right",
            )
        return data
