"""core.choices.ChoiceLabels gives what Django's own get_FOO_display gives (issue 13)."""

from __future__ import annotations

from django.db import models

from core.choices import ChoiceLabels
from episodes.models import Episode
from protocol.models import Deadline


def test_every_choice_of_every_field_reads_as_django_reads_it() -> None:
    compared = 0
    for model in (Deadline, Episode):
        assert issubclass(model, ChoiceLabels)
        fields = [field for field in model._meta.concrete_fields if field.choices]
        assert fields, model
        for field in fields:
            # Every choice, a value that is not one (shown as itself), and nothing.
            for value in [*(choice for choice, _label in field.flatchoices), "not-a-choice", None]:
                row = model(**{field.attname: value})
                ours = getattr(row, f"get_{field.name}_display")()
                djangos = models.Model._get_FIELD_display(row, field)
                assert ours == djangos, (model.__name__, field.name, value, ours, djangos)
                compared += 1
    assert compared > 50
