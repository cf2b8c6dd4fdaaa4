from django.apps import AppConfig


class ProtocolConfig(AppConfig):
    name = "protocol"
    default_auto_field = "django.db.models.BigAutoField"
