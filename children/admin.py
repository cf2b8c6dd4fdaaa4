"""Administrators manage people and grants here; case records change only through services
(the pages and the API), so case models are read-only in the admin."""

from django.contrib import admin

from children.models import ChildAccessGrant, RecordAccess


@admin.register(ChildAccessGrant)
class ChildAccessGrantAdmin(admin.ModelAdmin):
    list_display = ["user", "content_object", "expires_at", "granted_by", "reason"]
    list_select_related = ["user", "content_object", "granted_by"]
    raw_id_fields = ["content_object", "user", "granted_by"]

    def has_add_permission(self, request):
        # Grants are made through children.services.grant_child_access, which checks
        # that the granting person may grant access to this child.
        return False


@admin.register(RecordAccess)
class RecordAccessAdmin(admin.ModelAdmin):
    list_display = ["accessed_at", "user", "child", "via", "channel"]
    list_select_related = ["user", "child"]
    date_hierarchy = "accessed_at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
