from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from config import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Before Django's own i18n URLs, so the switch also remembers a logged-in person's choice.
    path("i18n/setlang/", views.set_language, name="set_language"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("health/", views.health, name="health"),
    path("cases/", include("cases.urls")),
    path("referrals/", include("referrals.urls")),
    path("documents/", include("reports.urls")),
    path("admin/", admin.site.urls),
]

handler404 = "config.views.not_found"
handler403 = "config.views.forbidden"
handler400 = "config.views.bad_request"
handler500 = "config.views.server_error"
