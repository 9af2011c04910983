"""Production settings plus the benchmark's own URLs (a trivial view to compare against)."""

from config.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
CELERY_IMPORTS = ("bench.tasks",)
