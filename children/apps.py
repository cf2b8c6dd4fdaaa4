from django.apps import AppConfig


class ChildrenConfig(AppConfig):
    name = "children"
    default_auto_field = "django.db.models.BigAutoField"
