"""Staff single sign-on: OpenID Connect (mozilla-django-oidc), IdP groups mapped to clinic roles."""
