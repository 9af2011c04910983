"""Deploy checks (``manage.py check --deploy``) for what the audit log and sign-in throttling
take as the client's address."""

from __future__ import annotations

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def check_proxy_hops(app_configs=None, **kwargs) -> list[Warning]:
    """Behind a reverse proxy, TRUSTED_PROXY_HOPS=0 takes the proxy's socket address for every
    client: the audit log shows one address for everyone, and the sign-in throttle counts every
    stranger's failures against the whole clinic's address."""
    hops = getattr(settings, "TRUSTED_PROXY_HOPS", 0)
    # SECURE_PROXY_SSL_HEADER is the settings' own statement that a proxy sits in front.
    behind_proxy = bool(getattr(settings, "SECURE_PROXY_SSL_HEADER", None))
    if behind_proxy and hops <= 0:
        return [
            Warning(
                "SECURE_PROXY_SSL_HEADER says a reverse proxy is in front, but TRUSTED_PROXY_HOPS "
                "is 0: every client gets the proxy's address in the audit log and in sign-in "
                "throttling.",
                hint="Set TRUSTED_PROXY_HOPS to the number of proxies that append to "
                "X-Forwarded-For (1 for one nginx). If clients really connect directly, silence "
                "patients.W001.",
                id="patients.W001",
            )
        ]
    return []
