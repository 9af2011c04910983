import os

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")
django.setup(set_prefix=False)

from config.handlers import wsgi_application  # noqa: E402 - needs the settings above

application = wsgi_application()
