from django.urls import path

from panels import views

app_name = "panels"

urlpatterns = [
    path("", views.index, name="index"),
    path("children/<int:child_id>/strategy/new/", views.record_meeting, name="record_meeting"),
    path("children/<int:child_id>/refer/", views.refer, name="refer"),
    path("strategy/<int:pk>/", views.meeting, name="meeting"),
    path("strategy/items/<int:item_pk>/done/", views.complete_item, name="complete_item"),
    path("panels/new/", views.schedule, name="schedule"),
    path("panels/<int:pk>/", views.panel, name="panel"),
    path("panels/<int:pk>/cases/", views.add_case, name="add_case"),
    path("panels/cases/<int:case_pk>/actions/", views.add_action, name="add_action"),
    path("panels/actions/<int:action_pk>/done/", views.complete_action, name="complete_action"),
    path("panels/standing/", views.standing_panels, name="standing"),
    path("panels/standing/<int:pk>/members/", views.add_member, name="add_member"),
    path("panels/<int:pk>/next/", views.schedule_next, name="schedule_next"),
    path("panels/<int:pk>/attendance/", views.attendance, name="attendance"),
    path("panels/cases/<int:case_pk>/discussion/", views.discuss, name="discuss"),
    path(
        "panels/cases/<int:case_pk>/intelligence/",
        views.link_intelligence,
        name="link_intelligence",
    ),
]
