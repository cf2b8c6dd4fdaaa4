from django.urls import path

from protocol import views

app_name = "protocol"

urlpatterns = [
    path("escalations/", views.escalations, name="escalations"),
]
