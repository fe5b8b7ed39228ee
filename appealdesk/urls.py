from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

from appealdesk.api.v1 import api as api_v1
from appealdesk.ops import views as ops

urlpatterns = [
    # members and providers arrive at the portal; staff go to /desk/
    path("", RedirectView.as_view(url="/portal/", permanent=False)),
    # one sign-in for the whole product: the desk's (throttled, with the second factor)
    path("admin/login/", RedirectView.as_view(url="/desk/login/", query_string=True)),
    path("admin/", admin.site.urls),
    path("desk/", include("appealdesk.desk.urls")),
    path("api/v1/", api_v1.urls),
    path("fhir/r4/", include("appealdesk.api.fhir")),  # the FHIR edge (docs/fhir.md)
    path("portal/", include("appealdesk.portal.urls")),
    path("mailroom/", include("appealdesk.mailroom.urls")),  # fax services' callbacks
    path("i18n/", include("django.conf.urls.i18n")),  # the portal's language switch
    # operations (docs/deploy.md): liveness, readiness, Prometheus metrics behind a token
    path("healthz", ops.healthz),
    path("readyz", ops.readyz),
    path("metrics", ops.metrics),
]

# e-mail services' inbound webhooks (django-anymail), only once their shared secret is set:
# without it anymail's views would take any request
if getattr(settings, "ANYMAIL", {}).get("WEBHOOK_SECRET"):
    urlpatterns.append(path("mailroom/anymail/", include("anymail.urls")))

# staff single sign-on (docs/sso.md): OpenID Connect and SAML 2.0, each only when configured
if settings.SSO_OIDC:
    urlpatterns.append(path("oidc/", include("mozilla_django_oidc.urls")))
if settings.SSO_SAML:
    urlpatterns.append(path("saml2/", include("djangosaml2.urls")))
