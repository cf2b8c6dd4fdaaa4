"""Existing ratings become triages (decision 0012).

Before issue 12 one record, `RiskAssessment`, was both MASH's RAG rating of a referral and
the assessment that met the `risk_assessment` deadline. Each existing assessment made on
a MASH referral was that referral's triage too, made by the same person at the same
moment: it gets a `MashTriage` with the same rating, threshold level, reason (its
rationale), person and time, and stays the assessment record that met the deadline.
Assessments made without a referral (by the allocated social worker) were never a triage
and get none. Where a referral has several assessments, the first is its triage (the
later ones were re-assessments). Reversible: the reverse deletes the triages.
"""

from django.db import migrations


def forwards(apps, schema_editor):
    RiskAssessment = apps.get_model("risk", "RiskAssessment")
    MashTriage = apps.get_model("risk", "MashTriage")
    seen: set[int] = set()
    batch = []
    for assessment in (
        RiskAssessment.objects.filter(referral__isnull=False)
        .select_related("episode")
        .order_by("referral_id", "assessed_at", "pk")
        .iterator(chunk_size=2000)
    ):
        if assessment.referral_id in seen:
            continue
        seen.add(assessment.referral_id)
        batch.append(
            MashTriage(
                referral_id=assessment.referral_id,
                child_id=assessment.child_id,
                episode_id=assessment.episode_id,
                rag=assessment.rag,
                threshold_level=assessment.threshold_level,
                reason=assessment.rationale,
                # What police's grading was when MASH rated is not known: left empty.
                police_risk_seen="",
                triaged_at=assessment.assessed_at,
                triaged_by_id=assessment.assessed_by_id,
            )
        )
        if len(batch) >= 2000:
            MashTriage.objects.bulk_create(batch)
            batch = []
    if batch:
        MashTriage.objects.bulk_create(batch)


def backwards(apps, schema_editor):
    apps.get_model("risk", "MashTriage").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("risk", "0002_mash_triage")]

    operations = [migrations.RunPython(forwards, backwards)]
