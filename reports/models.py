"""The record of every export: who asked for what, when, how many rows, and the file."""

from __future__ import annotations

import pghistory
from django.conf import settings
from django.db import models
from django.db.models import Q


class ExportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"
    PDF = "pdf", "PDF"
    ZIP = "zip", "ZIP of CSV files"


class ExportKind(models.TextChoices):
    COMMITTEE = "committee", "Committee report"
    OVERSIGHT = "oversight", "Oversight lists"
    SSDA903 = "ssda903", "SSDA903 return (Missing)"
    ANNEX_A = "annex_a", "Ofsted Annex A, list 8"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "Waiting to start"
    RUNNING = "running", "Being prepared"
    READY = "ready", "Ready"
    FAILED = "failed", "Failed"


# The file itself is not copied into the history table: the record of who, what, when and
# how many rows is the audit; the bytes are deleted when the download expires.
@pghistory.track(exclude=["content"])
class ReportExport(models.Model):
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="report_exports"
    )
    kind = models.CharField(max_length=20, choices=ExportKind.choices)
    format = models.CharField(max_length=10, choices=ExportFormat.choices)
    # The filters and reports chosen, as the page's query string read them (reports.exports).
    parameters = models.JSONField(default=dict)
    for_publication = models.BooleanField(default=False)
    status = models.CharField(
        max_length=10, choices=ExportStatus.choices, default=ExportStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(default=0, help_text="Per cent done.")
    rows = models.PositiveIntegerField(null=True, blank=True)
    filename = models.CharField(max_length=200, blank=True)
    content = models.BinaryField(null=True, blank=True, editable=False)
    error = models.TextField(blank=True)
    requested_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField()
    downloaded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="ready") | Q(rows__isnull=False, finished_at__isnull=False),
                name="report_export_ready_has_rows",
            )
        ]
        indexes = [
            models.Index(fields=["requested_by", "-requested_at"], name="report_export_by_user")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.get_format_display()}) for {self.requested_by}"


class EpisodeFact(models.Model):
    """What the committee report counts of one episode, kept by PostgreSQL (decision 0027).

    One row for each episode not entered in error, written by the triggers of reports
    migration 0003 whenever the episode, its child's sex or date of birth, the child's
    legal statuses or placements, the return interviews covering it or its risk
    assessments change; never by Homeward's Python. `reports_compute_episode_facts(ids)`
    is the one definition of the row, and tests/reports/test_facts.py holds the table to
    a recount after every kind of change. What depends on the report's period (the
    category at its end, the duration band, whether the return falls inside it) is
    worked out by the report itself (reports.sql).
    """

    episode_id = models.BigIntegerField(primary_key=True)
    child_id = models.BigIntegerField()
    last_seen_at = models.DateTimeField()
    returned_at = models.DateTimeField(null=True)
    category = models.CharField(max_length=30)
    missing_from = models.CharField(max_length=20)
    # The Europe/London date last seen, and the child's as of that day.
    day = models.DateField()
    sex = models.CharField(max_length=20)
    age = models.IntegerField()
    legal = models.CharField(max_length=30)
    placement = models.CharField(max_length=30)
    out_of_area = models.BooleanField()
    # The best return interview outcome (1 held within 72 hours of the return, 2 held
    # later, 3 declined, 4 no engagement, 5 awaiting), or None when none covers it.
    interview_rank = models.SmallIntegerField(null=True)
    pull_exploitation = models.BooleanField()
    pull_gang = models.BooleanField()
    cse = models.BooleanField()
    cce_county_lines = models.BooleanField()
    gangs = models.BooleanField()
    trafficking = models.BooleanField()
    radicalisation = models.BooleanField()

    class Meta:
        indexes = [
            models.Index(fields=["child_id", "last_seen_at"], name="episode_fact_child_seen")
        ]

    def __str__(self) -> str:
        return f"Facts of episode {self.episode_id}"
