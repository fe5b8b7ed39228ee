"""The mailroom's desk pages, under /desk/mailroom/ (names in the desk's namespace)."""

from django.urls import path

from appealdesk.desk.views import mailroom

urlpatterns = [
    path("", mailroom.mailroom_queue, name="mailroom"),
    path("scans/", mailroom.mailroom_upload, name="mailroom_upload"),
    path("<int:item_id>/", mailroom.mailroom_item, name="mailroom_item"),
    path(
        "<int:item_id>/documents/<int:part_id>/",
        mailroom.mailroom_original,
        name="mailroom_original",
    ),
    path(
        "<int:item_id>/documents/<int:part_id>/view/",
        mailroom.mailroom_viewer,
        name="mailroom_viewer",
    ),
    path(
        "<int:item_id>/documents/<int:part_id>/pages/<int:page>.png",
        mailroom.mailroom_page_image,
        name="mailroom_page",
    ),
    path("<int:item_id>/message.eml", mailroom.mailroom_message, name="mailroom_message"),
    path("<int:item_id>/<slug:action>/", mailroom.mailroom_action, name="mailroom_action"),
]
