from django.urls import path

from risk import views

app_name = "risk"

urlpatterns = [
    path("", views.index, name="index"),
    path("children/<int:child_id>/assess/", views.assess, name="assess"),
    path("ratings/<int:pk>/amend/", views.amend, name="amend"),
    path("referrals/<int:pk>/close/", views.close, name="close"),
]
