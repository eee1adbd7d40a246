from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    """Psychosocial and legal referrals with consent (issue 4); depends on `cases` only."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "referrals"
    verbose_name = _("Referrals")
