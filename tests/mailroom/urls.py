"""Only the mailroom's endpoints: the fax tests do not depend on the other surfaces' URLs."""

from django.urls import include, path

urlpatterns = [path("mailroom/", include("appealdesk.mailroom.urls"))]
