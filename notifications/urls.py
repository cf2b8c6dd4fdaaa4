from django.urls import path

from notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/read/", views.read, name="read"),
    path("read-all/", views.read_all, name="read_all"),
    path("keep-alive/", views.keep_alive, name="keep_alive"),
    path("preferences/", views.preferences, name="preferences"),
]
