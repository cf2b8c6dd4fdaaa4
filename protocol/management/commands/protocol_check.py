"""`manage.py protocol_check CHILD_ID`: a child's Deadline ledger, with each rule's reason,
and where the rules now compute something different (a missed reconcile, a changed
setting), what they compute. For operators answering "why did this fire?"."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from children.models import Child
from core.clock import LONDON
from protocol.conf import protocol_settings
from protocol.ledger import build_state
from protocol.models import Deadline, Status
from protocol.rules import evaluate


def london(value) -> str:
    return value.astimezone(LONDON).strftime("%d %b %Y %H:%M %Z") if value else "-"


class Command(BaseCommand):
    help = (
        "Print a child's deadline ledger, and the obligations the rules compute now if they differ."
    )

    def add_arguments(self, parser):
        parser.add_argument("child_id", type=int)

    def handle(self, *args, child_id: int, **options):
        child = Child.objects.filter(pk=child_id).first()
        if child is None:
            raise CommandError(f"No child with id {child_id}.")
        out = self.stdout
        out.write(f"Deadline ledger for child {child.pk} (times Europe/London)")
        deadlines = list(Deadline.objects.filter(child=child).order_by("due_at", "pk"))
        if not deadlines:
            out.write("  No deadlines.")
        for deadline in deadlines:
            out.write(
                f"- {deadline.rule} [{deadline.key}] {deadline.status}: opens {london(deadline.opens_at)}, "
                f"due {london(deadline.due_at)}, met {london(deadline.met_at)}, "
                f"breached {london(deadline.breached_at)}"
            )
            out.write(f"    {deadline.reason}")

        obligations = {ob.key: ob for ob in evaluate(build_state(child), protocol_settings())}
        ledger = {d.key: d for d in deadlines}
        differences = []
        for key, ob in obligations.items():
            row = ledger.get(key)
            if row is None:
                differences.append(
                    f"- {ob.rule} [{key}] is obliged but not in the ledger: due {london(ob.due_at)}"
                )
            elif (row.opens_at, row.due_at) != (ob.opens_at, ob.due_at) or (
                ob.met_at is not None and row.met_at != ob.met_at
            ):
                differences.append(
                    f"- {ob.rule} [{key}] the rules say opens {london(ob.opens_at)}, due {london(ob.due_at)}, "
                    f"met {london(ob.met_at)}"
                )
        for key, row in ledger.items():
            if key not in obligations and row.status != Status.CANCELLED:
                differences.append(
                    f"- {row.rule} [{key}] is {row.status} but the rules no longer oblige it"
                )
        if differences:
            out.write(
                "The rules compute, now, differently from the ledger (a reconcile would apply this):"
            )
            for line in differences:
                out.write(line)
        else:
            out.write("The ledger matches what the rules compute now.")
