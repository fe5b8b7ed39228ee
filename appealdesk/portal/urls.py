from django.urls import include, path

from appealdesk.portal.views import auth, filing, home, provider, representation, status

app_name = "portal"

urlpatterns = [
    path("", home.home, name="home"),
    path("login/", auth.PortalLoginView.as_view(), name="login"),
    path("logout/", auth.sign_out, name="logout"),
    path("register/", auth.register, name="register"),
    path("verify/<str:token>/", auth.verify, name="verify"),
    path("check-email/", auth.check_email, name="check_email"),
    path("password/reset/", auth.password_reset, name="password_reset"),
    path("password/reset/sent/", auth.password_reset_done, name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        auth.password_reset_confirm,
        name="password_reset_confirm",
    ),
    path("password/reset/done/", auth.password_reset_complete, name="password_reset_complete"),
    path("mfa/", auth.mfa, name="mfa"),
    path("account/", auth.account, name="account"),
    path("account/mfa-off/", auth.mfa_off, name="mfa_off"),
    path("", include(filing.urlpatterns)),
    path("", include(status.urlpatterns)),
    path("", include(provider.urlpatterns)),
    path("", include(representation.urlpatterns)),
]
