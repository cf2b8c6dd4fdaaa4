"""Forms for MASH triage. The date and time fields every page shares are in core.forms."""

from __future__ import annotations

from django import forms

from risk.models import Indicator, Rag

THRESHOLD_LEVELS = [
    (1, "Level 1: universal services"),
    (2, "Level 2: early help"),
    (3, "Level 3: targeted support (child in need)"),
    (4, "Level 4: statutory (child protection)"),
]


class RiskAssessmentForm(forms.Form):
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
        label="Why this rating", widget=forms.Textarea(attrs={"rows": 4}), required=False
    )

    def __init__(self, *args, threshold_hint: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        if threshold_hint:
            self.fields["threshold_level"].help_text = threshold_hint
