from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    """Psychosocial and legal referrals with consent, the provider directory and the provider side."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "referrals"
    verbose_name = _("Referrals")

    def ready(self):
        from cases import case_page, roles
        from referrals import audit, permissions
        from referrals.views.case_referrals import case_section

        audit.register_models()
        roles.grant_to_roles(permissions.ROLE_PERMISSIONS)
        case_page.register_section(case_section)
