"""Forms for recording a return interview: the offer, attempts, outcome, and what was said."""

from __future__ import annotations

from django import forms
from django.utils import timezone

from core.forms import BoundedForm, LondonDateTimeField
from returns.models import Outcome, PullFactor, PushFactor, ReturnInterviewAttempt

ATTEMPT_ROWS = 3
METHODS = list(ReturnInterviewAttempt._meta.get_field("method").choices or [])
SEEN_ALONE = [("yes", "Yes"), ("no", "No"), ("", "Not recorded")]


def seen_alone_value(value: str) -> bool | None:
    return {"yes": True, "no": False}.get(value)


class EpisodeChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, episode) -> str:
        last_seen = timezone.localtime(episode.last_seen_at)
        returned = timezone.localtime(episode.returned_at) if episode.returned_at else None
        return f"{episode.get_category_display()}: last seen {last_seen:%d %B %Y %H:%M}" + (
            f", returned {returned:%d %B %Y %H:%M}" if returned else ""
        )


class OutcomeFields(BoundedForm):
    outcome = forms.ChoiceField(
        label="Outcome",
        choices=Outcome.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose the outcome"},
    )
    held_at = LondonDateTimeField(
        label="When the interview was held",
        required=False,
        help_text="Only for an interview that was held.",
    )
    seen_alone = forms.ChoiceField(
        label="Was the child seen alone?",
        choices=SEEN_ALONE,
        widget=forms.RadioSelect,
        required=False,
    )
    push_factors = forms.MultipleChoiceField(
        label="Push factors",
        choices=PushFactor.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="What pushed the child away. Select all that apply.",
    )
    pull_factors = forms.MultipleChoiceField(
        label="Pull factors",
        choices=PullFactor.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="What pulled the child towards somewhere or someone. Select all that apply.",
    )
    disclosures = forms.CharField(
        label="Disclosures", widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    follow_ups = forms.CharField(
        label="Follow-up actions", widget=forms.Textarea(attrs={"rows": 4}), required=False
    )

    def outcome_arguments(self) -> dict:
        data = self.cleaned_data
        return {
            "outcome": data["outcome"],
            "held_at": data["held_at"],
            "seen_alone": seen_alone_value(data["seen_alone"]),
            "push_factors": data["push_factors"],
            "pull_factors": data["pull_factors"],
            "disclosures": data["disclosures"],
            "follow_ups": data["follow_ups"],
        }


class ReturnInterviewForm(OutcomeFields):
    """The whole interview at once; the outcome may wait ("offered, not yet held")."""

    field_order = ["episodes", "offered_at", "outcome", "held_at", "seen_alone"]

    episodes = EpisodeChoiceField(
        label="Episodes this interview covers",
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose the episode or episodes the interview covers"},
        help_text="One interview may cover several episodes when the child went missing again before it was held.",
    )
    offered_at = LondonDateTimeField(
        label="When the interview was offered",
        error_messages={"required": "Enter when the interview was offered"},
    )

    def __init__(self, *args, episodes, **kwargs):
        super().__init__(*args, **kwargs)
        episode_field = self.fields["episodes"]
        assert isinstance(episode_field, forms.ModelMultipleChoiceField)
        episode_field.queryset = episodes
        self.fields["outcome"] = forms.ChoiceField(
            label="Outcome",
            choices=[("", "Not known yet: the interview is offered"), *Outcome.choices],
            widget=forms.RadioSelect,
            required=False,
        )
        for row in range(1, ATTEMPT_ROWS + 1):
            self.fields[f"attempt_{row}_at"] = LondonDateTimeField(
                label=f"Attempt {row}: when", required=False
            )
            self.fields[f"attempt_{row}_method"] = forms.ChoiceField(
                label=f"Attempt {row}: how", choices=[("", "Choose how"), *METHODS], required=False
            )
            self.fields[f"attempt_{row}_notes"] = forms.CharField(
                label=f"Attempt {row}: notes", required=False
            )

    def attempt_rows(self):
        return [
            (self[f"attempt_{row}_at"], self[f"attempt_{row}_method"], self[f"attempt_{row}_notes"])
            for row in range(1, ATTEMPT_ROWS + 1)
        ]

    def clean(self):
        data = super().clean() or self.cleaned_data
        for row in range(1, ATTEMPT_ROWS + 1):
            at, method = data.get(f"attempt_{row}_at"), data.get(f"attempt_{row}_method")
            if at and not method:
                self.add_error(f"attempt_{row}_method", f"Choose how attempt {row} was made")
            if method and not at:
                self.add_error(f"attempt_{row}_at", f"Enter when attempt {row} was made")
        return data

    def attempts(self) -> list[dict]:
        data = self.cleaned_data
        return [
            {
                "attempted_at": data[f"attempt_{row}_at"],
                "method": data[f"attempt_{row}_method"],
                "notes": data[f"attempt_{row}_notes"],
            }
            for row in range(1, ATTEMPT_ROWS + 1)
            if data.get(f"attempt_{row}_at")
        ]


class AttemptForm(BoundedForm):
    attempted_at = LondonDateTimeField(
        label="When", error_messages={"required": "Enter when the attempt was made"}
    )
    method = forms.ChoiceField(
        label="How",
        choices=METHODS,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose how the attempt was made"},
    )
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 2}))
