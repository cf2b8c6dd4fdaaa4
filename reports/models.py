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
