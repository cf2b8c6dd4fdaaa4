import pghistory.admin
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from agencies.models import Agency, Membership, Team, User


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["team"]


@admin.register(User)
class HomewardUserAdmin(UserAdmin):
    inlines = [MembershipInline]
    list_display = ["username", "first_name", "last_name", "email", "is_active", "is_staff"]


@admin.register(Agency)
class AgencyAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "code"]
    list_filter = ["kind"]
    search_fields = ["name", "code"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "agency"]
    list_filter = ["agency"]
    search_fields = ["name", "agency__name"]
    inlines = [MembershipInline]


class HistoryEventsAdmin(pghistory.admin.EventsAdmin):
    """django-pghistory's events admin without facet counts: its change list predates
    Django 5's facets and fails on "Show counts" (a 500 the link crawl found)."""

    show_facets = admin.ShowFacets.NEVER
