"""Only the mailroom's endpoints (and anymail's inbound webhooks): the mailroom's tests do not
depend on the other surfaces' URLs."""

from django.urls import include, path

urlpatterns = [
    path("mailroom/anymail/", include("anymail.urls")),
    path("mailroom/", include("appealdesk.mailroom.urls")),
]
