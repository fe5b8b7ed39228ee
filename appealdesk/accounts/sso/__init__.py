"""Staff single sign-on: OpenID Connect (mozilla-django-oidc, authorization code with PKCE) and
SAML 2.0 (djangosaml2 on pysaml2), one mapping of groups to roles and teams for both, the
identity provider's multi-factor assertion in place of the local TOTP, the periodic re-check
that ends the sessions of people disabled at the identity provider, and the logged break-glass
sign-in of a local administrator (docs/sso.md).

`config` reads the environment for settings.py and imports no Django; the rest is Django."""
