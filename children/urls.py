from django.urls import path

from children import views

app_name = "children"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
]
