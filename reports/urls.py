from django.urls import path

from reports import views

app_name = "reports"

urlpatterns = [
    path("", views.index, name="index"),
    path("oversight/", views.oversight, name="oversight"),
    path("returns/", views.statutory_returns, name="returns"),
    path("returns/<str:kind>/", views.statutory_return_create, name="return_create"),
    path("exports/", views.export_create, name="export_create"),
    path("exports/<int:export_id>/", views.export_status, name="export"),
    path("exports/<int:export_id>/download/", views.export_download, name="export_download"),
]
