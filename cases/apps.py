from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "cases"
    verbose_name = _("Case files")

    def ready(self):
        # middleware: the login-time receiver; checks: registers the field-key check
        from cases import audit, checks, middleware, revisions, roles  # noqa: F401

        audit.register_models()
        revisions.track_case_models()
        # Permissions exist only after migrate has created them, so role groups are synced
        # here rather than in a data migration (which must not import app code either).
        post_migrate.connect(roles.sync_role_groups_after_migrate, sender=self)
        self._register_retention()

    def _register_retention(self):
        """Retention (cases.services.retention): its records in the audit trail, its section on the case page."""
        from auditlog.registry import auditlog

        from cases import page_sections
        from cases.models import ErasureRecord, LegalHold, RetentionReview
        from cases.views.retention_views import case_section

        # Reasons are free text written about a client's file: the trail says that one was given, not what.
        auditlog.register(RetentionReview, mask_fields=["reason"])
        auditlog.register(LegalHold, mask_fields=["reason", "lift_reason"])
        auditlog.register(ErasureRecord)
        page_sections.register_section(page_sections.CASE_PAGE, case_section)
