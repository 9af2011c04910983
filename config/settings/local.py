"""Developer and demo settings: SQLite and the phone simulator unless the environment says otherwise."""

from config.env import env_bool

from .base import *  # noqa: F403

DEBUG = env_bool("DEBUG", True)
DEMO_MODE = True
