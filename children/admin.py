"""The admin shows who read which child's record when (the access log), by the child's
reference only, and can neither change nor delete it. Case models and access grants are
not in the admin (agencies/admin.py says why)."""

from django.contrib import admin
from django.http import HttpRequest

from children.models import Erasure, RecordAccess


@admin.register(RecordAccess)
class RecordAccessAdmin(admin.ModelAdmin):
    list_display = ["accessed_at", "user", "child_reference", "via", "channel"]
    list_select_related = ["user"]
    date_hierarchy = "accessed_at"
    # The child's reference, not their name: the admin reads no case data.
    readonly_fields = ("accessed_at", "user", "child_reference", "via", "channel")
    fields = readonly_fields

    @admin.display(description="Child reference")
    def child_reference(self, access: RecordAccess) -> int:
        return access.child_id

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Erasure)
class ErasureAdmin(admin.ModelAdmin):
    """The erasure log (decision 0016): who erased which record, when, why; read-only."""

    list_display = ["erased_at", "erased_by", "child_reference", "record_kind", "retention_until"]
    list_select_related = ["erased_by"]
    readonly_fields = (
        "erased_at",
        "erased_by",
        "child_reference",
        "record_kind",
        "retention_until",
        "reason",
        "counts",
    )
    fields = readonly_fields

    @admin.display(description="Child reference")
    def child_reference(self, erasure: Erasure) -> int:
        return erasure.child_id

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
