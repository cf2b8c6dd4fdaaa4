from django.urls import path

from returns import views

app_name = "returns"

urlpatterns = [
    path("", views.index, name="index"),
    path("children/<int:child_id>/record/", views.record, name="record"),
    path("interviews/<int:pk>/", views.interview, name="interview"),
    path("interviews/<int:pk>/attempts/", views.add_attempt, name="add_attempt"),
    path("interviews/<int:pk>/outcome/", views.record_outcome, name="record_outcome"),
]
