from django.urls import path

from contextual import views

app_name = "contextual"

urlpatterns = [
    path("episodes/<int:episode_id>/", views.episode_context, name="episode"),
    path("places/<int:pk>/", views.place, name="place"),
    path("children/<int:child_id>/associates/", views.associates, name="associates"),
    path("hotspots/", views.hotspot_list, name="hotspots"),
]
