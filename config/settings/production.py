"""Production settings: everything secret or site-specific must come from the environment."""

from config.env import env_bool, env_int, env_list, env_str

from .base import *  # noqa: F403

DEBUG = False
DEMO_MODE = False
SECRET_KEY = env_str("SECRET_KEY")  # no default: refuse to start without one
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS")
SMS_BACKEND = env_str("SMS_BACKEND", "notifications.backends.twilio.TwilioBackend")
EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.smtp.EmailBackend")

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Idle sign-out is SESSION_IDLE_TIMEOUT (base settings). Saving the session on every request would
# let the queue's background refresh keep an unattended screen signed in, so it stays off.
SESSION_SAVE_EVERY_REQUEST = False
CSRF_COOKIE_HTTPONLY = True
STAFF_REQUIRE_2FA = env_bool("STAFF_REQUIRE_2FA", False)
