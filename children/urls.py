from django.urls import path

from children import views

app_name = "children"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("unallocated/", views.unallocated, name="unallocated"),
    path("<int:child_id>/identity/", views.identity, name="identity"),
    path("<int:child_id>/legal-status/", views.legal_status, name="legal_status"),
    path(
        "<int:child_id>/legal-status/<int:status_id>/correct/",
        views.legal_status_correct,
        name="legal_status_correct",
    ),
    path(
        "<int:child_id>/legal-status/<int:status_id>/end/",
        views.legal_status_end,
        name="legal_status_end",
    ),
    path("<int:child_id>/placements/", views.placements, name="placements"),
    path(
        "<int:child_id>/placements/<int:placement_id>/correct/",
        views.placement_correct,
        name="placement_correct",
    ),
    path(
        "<int:child_id>/placements/<int:placement_id>/end/",
        views.placement_end,
        name="placement_end",
    ),
    path("<int:child_id>/allocation/", views.allocation, name="allocation"),
    path(
        "<int:child_id>/allocation/<int:allocation_id>/end/",
        views.allocation_end,
        name="allocation_end",
    ),
    path("<int:child_id>/philomena/", views.philomena, name="philomena"),
    path("<int:child_id>/philomena/sheet/", views.philomena_sheet, name="philomena_sheet"),
    path("<int:child_id>/photo/", views.photo, name="photo"),
    path("<int:child_id>/photo/image/", views.photo_image, name="photo_image"),
    path(
        "<int:child_id>/photo/media-consent/",
        views.photo_media_consent,
        name="photo_media_consent",
    ),
    path("<int:child_id>/access/", views.access, name="access"),
    path("<int:child_id>/links/", views.links, name="links"),
    path("<int:child_id>/links/<int:link_id>/end/", views.link_end, name="link_end"),
    path(
        "<int:child_id>/access/<int:grant_id>/revoke/",
        views.access_revoke,
        name="access_revoke",
    ),
]
