"""Developer and demo settings: SQLite and the phone simulator unless the environment says otherwise."""

from config.env import env_bool

from .base import *  # noqa: F403

DEBUG = env_bool("DEBUG", True)
DEMO_MODE = True

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # Web, worker and beat share one SQLite file in the demo: wait for the lock instead of failing,
    # and take it up front so two writers never deadlock on an upgrade.
    DATABASES["default"]["OPTIONS"] = {  # noqa: F405
        "timeout": 30,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
