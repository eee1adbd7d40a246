from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReferralsConfig(AppConfig):
    """Psychosocial and legal referrals with consent, the provider directory and the provider side."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "referrals"
    verbose_name = _("Referrals")

    def ready(self):
        from cases import page_sections, revisions, roles
        from referrals import audit, permissions
        from referrals.views.case_referrals import case_section

        audit.register_models()
        roles.grant_to_roles(permissions.ROLE_PERMISSIONS)
        # Referrals and consents appear in the case's documents: they count as changes to the file.
        from referrals.models import Consent, Referral

        for model in (Referral, Consent):
            revisions.track(model, lambda record: record.case_id)
        page_sections.register_section(page_sections.CASE_PAGE, case_section)
        from cases import erasure
        from referrals.services.erasure import erase_case_referrals, preview_case_referrals

        erasure.register_eraser(erase_case_referrals, preview_case_referrals)
