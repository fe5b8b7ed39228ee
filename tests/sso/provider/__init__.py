"""A real OpenID Connect provider for the single sign-on tests: django-oauth-toolkit with OIDC
on, run as its own Django process on 127.0.0.1 with its own SQLite database and an RSA key the
test generates. It signs ID tokens and (for the client-credentials grant) JWT access tokens
with that key, and refuses the tokens of a person disabled here, as identity providers do."""
