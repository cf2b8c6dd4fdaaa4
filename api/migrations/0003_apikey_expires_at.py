"""Every API key expires (decision 0015): keys issued before this get a year from their
creation (settings.API_KEY_LIFETIME_DAYS' default)."""

import datetime as dt

from django.db import migrations, models


def one_year_from_creation(apps, schema_editor):
    ApiKey = apps.get_model("api", "ApiKey")
    ApiKey.objects.filter(expires_at__isnull=True).update(
        expires_at=models.F("created_at") + dt.timedelta(days=365)
    )
    # The history rows written before expiry existed (decision 0016) take the same date.
    ApiKeyEvent = apps.get_model("api", "ApiKeyEvent")
    ApiKeyEvent.objects.filter(expires_at__isnull=True).update(
        expires_at=models.F("created_at") + dt.timedelta(days=365)
    )


class Migration(migrations.Migration):
    dependencies = [("api", "0002_apikey_history")]

    operations = [
        migrations.AddField(
            model_name="apikey", name="expires_at", field=models.DateTimeField(null=True)
        ),
        migrations.AddField(
            model_name="apikeyevent", name="expires_at", field=models.DateTimeField(null=True)
        ),
        migrations.RunPython(one_year_from_creation, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apikey", name="expires_at", field=models.DateTimeField()
        ),
        migrations.AlterField(
            model_name="apikeyevent", name="expires_at", field=models.DateTimeField()
        ),
    ]
