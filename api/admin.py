"""API keys in the admin: list them, see when each was last used, revoke them.

Keys are created with `manage.py create_api_key USERNAME` (which prints the key once),
not here: the admin never sees a key, only its prefix.
"""

from __future__ import annotations

from django.contrib import admin, messages

from api.models import ApiKey
from api.services import revoke_api_key


@admin.register(ApiKey)
class ApiKeyAdmin(admin.ModelAdmin):
    list_display = [
        "prefix",
        "user",
        "name",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    ]
    list_filter = [("revoked_at", admin.EmptyFieldListFilter), "expires_at"]
    search_fields = ["prefix", "user__username", "name"]
    list_select_related = ["user"]
    actions = ["revoke"]
    fields = ("prefix", "user", "name", "created_at", "last_used_at", "expires_at", "revoked_at")
    readonly_fields = fields

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        # A revoked key stays listed: who held it and until when is part of the audit.
        return False

    @admin.action(description="Revoke the selected keys", permissions=["change"])
    def revoke(self, request, queryset):
        revoked = 0
        for api_key in queryset.filter(revoked_at__isnull=True):
            revoke_api_key(acting_user=request.user, api_key=api_key)
            revoked += 1
        self.message_user(request, f"Revoked {revoked} key(s).", messages.SUCCESS)
