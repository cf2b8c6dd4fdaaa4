import os

from django.core.wsgi import get_wsgi_application

from core.collector import tune_for_requests

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "missing.settings")
application = get_wsgi_application()
# Each gunicorn worker imports this module once: the app is loaded, so freeze it (core.collector).
tune_for_requests()
