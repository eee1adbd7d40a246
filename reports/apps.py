from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """PDF documents and statistics (issue 5); depends on `referrals` and `cases`."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    verbose_name = _("Reports")
