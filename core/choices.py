"""`get_FOO_display()` without rebuilding the field's choices on every call (issue 13).

Django's `Model._get_FIELD_display` flattens the field's choices and builds a dictionary
of them each time it is called: a child's record calls it about 300 times (each
deadline's rule and owner, each episode's category, the timeline's titles), over choices
of up to 20 entries. A field's choices are fixed when its model class is made, so the
dictionary is built once per field here. The label is still passed through `force_str`
on each call, as Django does, so a lazy label is translated when it is shown.
"""

from __future__ import annotations

import functools
from typing import Any

from django.db import models
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable


@functools.cache
def _labels(field: models.Field) -> dict[Any, Any]:
    return dict(make_hashable(field.flatchoices))


class ChoiceLabels:
    """Mixed into a model (before `models.Model`) whose `get_FOO_display()` lists call."""

    def _get_FIELD_display(self, field: models.Field) -> str:
        value = getattr(self, field.attname)
        return force_str(_labels(field).get(make_hashable(value), value), strings_only=True)
