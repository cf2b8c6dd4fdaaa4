"""Administrators manage people, teams and agencies here; they do not read cases
(issue 14, decision 0002). No case model, no history event of one (django-pghistory's
events admin is not installed) and no access grant is shown here: grants are made,
changed and revoked through children.services (the child's page and the API), which
check that the granting person may, and record what was done.

The sign-in audit (django-axes' access and failure logs) can be read but not changed or
deleted; lock-outs (access attempts) can still be cleared, which is how a locked-out
person is let back in.
"""

from axes.admin import AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from agencies.models import Agency, Membership, Team, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["team"]


class NoDeletion:
    """People, teams and agencies are deactivated or renamed, never deleted here: a
    deletion would cascade into case records and audit rows, and Django's deletion
    summary lists every related row by name (a child's name, on the admin's screen)."""

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(User)
class HomewardUserAdmin(NoDeletion, UserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "first_name", "last_name", "email", "is_active", "is_staff"]


@admin.register(Agency)
class AgencyAdmin(NoDeletion, admin.ModelAdmin):
    list_display = ["name", "kind", "code"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]


@admin.register(Team)
class TeamAdmin(NoDeletion, admin.ModelAdmin):
    list_display = ["name", "agency"]
    list_filter = ["agency"]
    search_fields = ["name", "agency__name"]
    inlines = [MembershipInline]


class AuditRowsAdmin(admin.ModelAdmin):
    """Audit rows are read, never changed or deleted from the admin."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


for audit_model, axes_admin in [
    (AccessLog, AccessLogAdmin),
    (AccessFailureLog, AccessFailureLogAdmin),
]:
    if admin.site.is_registered(audit_model):
        admin.site.unregister(audit_model)
    admin.site.register(audit_model, type(axes_admin.__name__, (AuditRowsAdmin, axes_admin), {}))
