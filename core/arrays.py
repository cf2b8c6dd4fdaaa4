"""`column = ANY(<array>)`: one way to hand PostgreSQL many ids as one value.

An array is indexable: PostgreSQL reads the table through its index on `column` for
exactly those ids, whatever it guesses their number to be, where `column IN (<subquery>)`
leaves it free to read every row and hash-join them, and `IN (%s, %s, ...)` makes Django
compile and quote a parameter per id (issue 13).
"""

from __future__ import annotations

from collections.abc import Collection

from django.contrib.postgres.expressions import ArraySubquery
from django.contrib.postgres.fields import ArrayField
from django.db.models import BigIntegerField, BooleanField, F, Func, Lookup, Q, QuerySet, Value
from django.db.models.expressions import RawSQL


class EqualsAny(Func):
    """`(<column> = ANY(<array>))`."""

    arg_joiner = " = ANY("
    template = "(%(expressions)s))"
    output_field = BooleanField()


class _AnyOf(Lookup):
    """`EqualsAny` for a subquery, which the lookup parenthesises as a value."""

    lookup_name = "any_of"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} = ANY({rhs})", (*lhs_params, *rhs_params)


def any_of(column: str, ids: QuerySet | RawSQL) -> Q:
    """`column = ANY(ARRAY(<ids>))`: the ids read first, once (an InitPlan), and handed to
    the outer query as one array (an authority's escalation queue read 119,000 deadlines
    for 400 as `IN`). `ids` is a queryset of one column, or that query already compiled
    (`children.selectors.compiled_child_ids`)."""
    array = ArraySubquery(ids) if isinstance(ids, QuerySet) else Func(ids, function="ARRAY")
    return Q(_AnyOf(F(column), array))


def among(column: str, ids: Collection[int]) -> Q:
    """`column = ANY(<ids as one array parameter>)`: a batch's thousands of ids as one
    parameter (a tenth of a second a batch in bench/sweep.py as `IN (%s, ...)`)."""
    return Q(EqualsAny(F(column), Value(list(ids), output_field=ArrayField(BigIntegerField()))))
