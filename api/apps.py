from django.apps import AppConfig
from django.db.models.signals import post_save


def _forget_keys_of_saved_user(sender, instance, **kwargs) -> None:
    from api.models import forget_cached_keys

    forget_cached_keys(user_id=instance.pk)


def _forget_saved_key(sender, instance, **kwargs) -> None:
    from api.models import forget_cached_keys

    forget_cached_keys(hashed_keys=[instance.hashed_key])


class ApiConfig(AppConfig):
    name = "api"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Cache coherence, not workflow: api.authentication caches a key's row and user,
        # and whatever saves either (a revocation, the admin making a user inactive, a
        # renamed key) must not be answered from the old copy (decision 0021).
        from django.contrib.auth import get_user_model

        from api.models import ApiKey

        post_save.connect(
            _forget_keys_of_saved_user, sender=get_user_model(), dispatch_uid="api_forget_user"
        )
        post_save.connect(_forget_saved_key, sender=ApiKey, dispatch_uid="api_forget_key")
