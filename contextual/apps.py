from django.apps import AppConfig


class ContextualConfig(AppConfig):
    name = "contextual"
    verbose_name = "Contextual safeguarding"
    default_auto_field = "django.db.models.BigAutoField"
