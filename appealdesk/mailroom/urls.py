"""The mailroom's inbound endpoints, included by the project under /mailroom/."""

from django.urls import path

from appealdesk.mailroom import http

app_name = "mailroom"

urlpatterns = [
    path("fax/inbound", http.generic_inbound, name="fax-generic"),
    path("fax/phaxio", http.phaxio_inbound, name="fax-phaxio"),
    path("fax/faxto/<str:token>", http.faxto_inbound, name="fax-faxto"),
]
