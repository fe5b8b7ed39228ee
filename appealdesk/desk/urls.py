from django.urls import include, path

from appealdesk.desk.views import (
    administration,
    auth,
    cases,
    dashboard,
    intake,
    letters,
    notifications,
    reports,
    worklist,
)

app_name = "desk"

urlpatterns = [
    path("login/", auth.DeskLoginView.as_view(), name="login"),
    path("logout/", auth.sign_out, name="logout"),
    path("account/", auth.account, name="account"),
    path("mfa/", auth.mfa, name="mfa"),
    path("mfa/setup/", auth.mfa_setup, name="mfa_setup"),
    path("mfa/recovery-codes/", auth.mfa_recovery_codes, name="mfa_recovery_codes"),
    path("", worklist.worklist, name="worklist"),
    path("reassign/", worklist.bulk_assign, name="bulk_assign"),
    path("search/", cases.search, name="search"),
    path("authorizations/", include("appealdesk.desk.views.authorizations")),
    path("intake/", intake.intake, name="intake"),
    path("intake/assess/", intake.intake_assess, name="intake_assess"),
    path("intake/parties/", intake.party_search, name="party_search"),
    path("cases/<str:number>/", cases.case_page, name="case"),
    path("cases/<str:number>/upload/", cases.case_upload, name="case_upload"),
    path(
        "cases/<str:number>/documents/<int:document_id>/",
        cases.document_download,
        name="document",
    ),
    path("cases/<str:number>/packet/", letters.case_packet, name="case_packet"),
    path("cases/<str:number>/letters/", letters.letter_create, name="letter_create"),
    path(
        "cases/<str:number>/letters/<int:letter_id>/email/",
        letters.letter_email,
        name="letter_email",
    ),
    path(
        "cases/<str:number>/letters/<int:letter_id>/mailed/",
        letters.letter_mailed,
        name="letter_mailed",
    ),
    path("cases/<str:number>/<slug:action>/", cases.case_action, name="case_action"),
    path("dashboard/", dashboard.dashboard, name="dashboard"),
    path("notifications/", notifications.notifications, name="notifications"),
    path("reports/", reports.timeliness, name="report_timeliness"),
    path("reports/volumes/", reports.volumes, name="report_volumes"),
    path("reports/aging/", reports.aging, name="report_aging"),
    path("reports/universe/", reports.universe_page, name="report_universe"),
    path("reports/cases/", reports.cases, name="report_cases"),
    path("reports/<slug:report>.<slug:fmt>", reports.download, name="report_download"),
    path("admin/packs/", administration.packs, name="packs"),
    path("admin/packs/<slug:program>/<str:version>/", administration.pack, name="pack"),
    path("admin/calendars/<slug:program>/<int:year>/", administration.calendar, name="calendar"),
    path("admin/people/", administration.people, name="people"),
    path("admin/letters/", letters.letter_templates, name="letter_templates"),
    path(
        "admin/letters/<slug:program>/<slug:kind>/",
        letters.letter_template,
        name="letter_template",
    ),
]
