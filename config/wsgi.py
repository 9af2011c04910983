import django

from config.entry import require_settings_module

require_settings_module()  # no default: see config/entry.py
django.setup(set_prefix=False)

from config.handlers import wsgi_application  # noqa: E402 - needs the settings above

application = wsgi_application()
