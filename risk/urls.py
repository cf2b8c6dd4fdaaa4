from django.urls import path

from risk import views

app_name = "risk"

urlpatterns = [
    path("", views.index, name="index"),
    path("referrals/<int:pk>/triage/", views.triage, name="triage"),
    path("triages/<int:pk>/correct/", views.correct_triage, name="correct_triage"),
    path("children/<int:child_id>/assess/", views.assess, name="assess"),
    path("ratings/<int:pk>/amend/", views.amend, name="amend"),
    path("referrals/<int:pk>/close/", views.close, name="close"),
]
