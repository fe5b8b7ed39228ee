from django.contrib import admin
from django.urls import path

admin.site.site_header = "appealdesk administration"
admin.site.site_title = "appealdesk"

urlpatterns = [
    path("admin/", admin.site.urls),
]
