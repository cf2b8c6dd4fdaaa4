from django.urls import path

from protocol import views

app_name = "protocol"

urlpatterns = [
    path("health/", views.health, name="health"),
    path("protocol/", views.index, name="index"),
]
