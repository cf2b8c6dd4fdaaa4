# Homeward's one image: the web server, the Celery worker and beat all run from it.
# GOV.UK Frontend and htmx are vendored in static/vendor, so no Node stage is needed.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    UV_SYSTEM_PYTHON=1

WORKDIR /app

# Debian's Pango and HarfBuzz for WeasyPrint (the reports' PDF committee pack), and fonts.
RUN apt-get update \
    && apt-get install -y --no-install-recommends \
        libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-liberation \
    && rm -rf /var/lib/apt/lists/*

RUN pip install --no-cache-dir "uv==0.13.8"
COPY requirements/lock.txt requirements/lock.txt
RUN uv pip install --system --no-cache -r requirements/lock.txt

COPY . .

# The static files, hashed and compressed for whitenoise, are part of the image. The
# settings need a production-shaped environment to import; these values are build-time
# placeholders only, never used at run time.
RUN DJANGO_ENV=production \
    SECRET_KEY=collectstatic-at-build-time-only-not-a-secret-0123456789abcdef \
    ALLOWED_HOSTS=build DATABASE_URL=postgres://build@127.0.0.1:5432/build \
    python manage.py collectstatic --noinput

# Celery refuses to be comfortable as root, and so should we.
RUN useradd --create-home --uid 1000 homeward \
    && mkdir -p var \
    && chown -R homeward:homeward var
USER homeward

EXPOSE 8000
# Migrations run as the schema's owner, apart from the app (decision 0016):
#   DATABASE_OWNER_URL=... DATABASE_URL=... python manage.py migrate_as_owner
# The web server, worker and beat connect as DATABASE_URL's role (homeward_app).
CMD ["gunicorn", "missing.wsgi", "--bind", "0.0.0.0:8000", "--workers", "3", "--access-logfile", "-"]
