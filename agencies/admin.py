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
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from agencies.models import Agency, Membership, Team, User
from agencies.services import reset_second_factor
from core.errors import ServiceError

# django-otp's own admin shows each person's authenticator key and backup codes: whoever
# reads them can sign in as that person. Administrators reset a second factor (the
# action below) and never see one (decision 0015).
for otp_model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(otp_model):
        admin.site.unregister(otp_model)


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
    actions = ["reset_second_factor"]

    @admin.action(
        description="Reset two-factor authentication (they set up a new app at next sign-in)",
        permissions=["change"],
    )
    def reset_second_factor(self, request, queryset):
        reset = 0
        for person in queryset:
            try:
                reset_second_factor(acting_user=request.user, user=person)
            except ServiceError as error:
                self.message_user(request, error.message, messages.ERROR)
                return
            # The admin's own log (LogEntry): who reset whose second factor, and when.
            self.log_change(request, person, "Reset two-factor authentication")
            reset += 1
        self.message_user(
            request, f"Two-factor authentication reset for {reset} person(s).", messages.SUCCESS
        )


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
