from allauth.account import views as allauth_views
from django.contrib import admin
from django.urls import include, path

from cases.views import account_views
from config import views

urlpatterns = [
    path("", views.home, name="home"),
    # Login and logout are allauth's (the second factor is a stage of its login); they answer to
    # allauth's own names too, which its views reverse.
    path("login/", allauth_views.login, name="login"),
    path("login/", allauth_views.login, name="account_login"),
    path("logout/", allauth_views.logout, name="logout"),
    path("logout/", allauth_views.logout, name="account_logout"),
    # Only these of allauth's account views: no sign-up, e-mail or self-service password reset
    # (an organisation's admin makes accounts and resets passwords).
    path("account/reauthenticate/", allauth_views.reauthenticate, name="account_reauthenticate"),
    path(
        "account/security/webauthn/keys/<int:pk>/remove/", account_views.remove_security_key,
        name="mfa_remove_webauthn",
    ),
    path("account/security/", include("allauth.mfa.urls")),
    path("account/sessions/", account_views.own_sessions, name="usersessions_list"),
    # Before Django's own i18n URLs, so the switch also remembers a logged-in person's choice.
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("health/", views.health, name="health"),
    path("cases/", include("cases.urls")),
    path("referrals/", include("referrals.urls")),
    path("documents/", include("reports.urls")),
    # Django's admin login would skip the second factor: it is never served.
    path("admin/login/", views.admin_login),
    path("admin/", admin.site.urls),
]

handler404 = "config.views.not_found"
handler403 = "config.views.forbidden"
handler400 = "config.views.bad_request"
handler500 = "config.views.server_error"
handler429 = "config.views.too_many_requests"  # allauth's rate limits
