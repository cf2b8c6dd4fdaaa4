"""Forms for places, children missing together, associates and the hotspot period."""

from __future__ import annotations

from django import forms

from contextual.models import (
    AgeGroup,
    Certainty,
    IntelligenceAssessment,
    Nature,
    PlaceKind,
    PlaceRole,
    SourceEvaluation,
)
from core.forms import BoundedForm, GovukDateField


class ChildChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, child) -> str:
        return f"{child.full_name} (born {child.date_of_birth:%d %B %Y})"


class EpisodePlaceForm(BoundedForm):
    role = forms.ChoiceField(
        label="What happened there", choices=PlaceRole.choices, widget=forms.RadioSelect
    )
    place: forms.ModelChoiceField = forms.ModelChoiceField(
        label="A place already recorded",
        queryset=None,
        required=False,
        empty_label="Not in the list: record a new place below",
    )
    name = forms.CharField(label="New place: name", required=False, max_length=200)
    kind = forms.ChoiceField(
        label="New place: kind", choices=[("", "Choose a kind"), *PlaceKind.choices], required=False
    )
    postcode = forms.CharField(
        label="New place: postcode or postcode sector",
        required=False,
        max_length=10,
        help_text="For example N17 6AB, or the sector N17 6 if the full postcode is not known.",
    )

    def __init__(self, *args, places, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["place"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = places

    def clean(self):
        data = super().clean() or self.cleaned_data
        if not data.get("place") and not data.get("name"):
            self.add_error("place", "Choose a place, or give a new place's name")
        if not data.get("place") and data.get("name") and not data.get("kind"):
            self.add_error("kind", "Choose what kind of place it is")
        return data


class MissingWithForm(BoundedForm):
    other_child = ChildChoiceField(
        label="Child they were with",
        queryset=None,
        empty_label="Choose a child",
        error_messages={"required": "Choose the child they were with"},
    )
    certainty = forms.ChoiceField(
        label="Is this known or believed?", choices=Certainty.choices, widget=forms.RadioSelect
    )
    note = forms.CharField(label="How this is known (optional)", required=False, max_length=500)

    def __init__(self, *args, children, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["other_child"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = children


class AssociateForm(BoundedForm):
    associate: forms.ModelChoiceField = forms.ModelChoiceField(
        label="A person already recorded",
        queryset=None,
        required=False,
        empty_label="Not in the list: record a new person below",
    )
    name = forms.CharField(label="New person: name", required=False, max_length=200)
    age_group = forms.ChoiceField(
        label="New person: adult or child", choices=AgeGroup.choices, required=False
    )
    description = forms.CharField(
        label="New person: description (optional)", required=False, max_length=500
    )
    nature = forms.ChoiceField(
        label="Of concern or of support", choices=Nature.choices, widget=forms.RadioSelect
    )
    role = forms.CharField(label="Who they are to the child", max_length=200)
    how_known = forms.CharField(label="How this is known", max_length=500)
    source = forms.CharField(
        label="Source", max_length=200, help_text="Who said so: police intelligence, the child..."
    )
    source_evaluation = forms.ChoiceField(
        label="Source evaluation (3x5x2)", choices=SourceEvaluation.choices
    )
    intelligence_assessment = forms.ChoiceField(
        label="Intelligence assessment (3x5x2)", choices=IntelligenceAssessment.choices
    )

    def __init__(self, *args, associates, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["associate"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = associates

    def clean(self):
        data = super().clean() or self.cleaned_data
        if not data.get("associate") and not data.get("name"):
            self.add_error("associate", "Choose a person, or give a new person's name")
        return data


class HotspotForm(BoundedForm):
    start = GovukDateField(label="From", error_messages={"required": "Enter the first day"})
    end = GovukDateField(label="To", error_messages={"required": "Enter the last day"})

    def __init__(self, *args, authorities, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["authority"] = forms.ModelChoiceField(
            label="Local authority", queryset=authorities, empty_label=None
        )
        self.order_fields(["authority", "start", "end"])

    def clean(self):
        data = super().clean() or self.cleaned_data
        if data.get("start") and data.get("end") and data["end"] < data["start"]:
            self.add_error("end", "The last day must be on or after the first day")
        return data
