from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """PDF documents generated from case files; depends on `referrals` and `cases`."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from auditlog.registry import auditlog

        from cases import page_sections
        from reports.models import GeneratedDocument
        from reports.views import alert_section, case_section

        auditlog.register(GeneratedDocument, exclude_fields=["file", "started_at", "attempts", "error"])
        page_sections.register_section(page_sections.CASE_PAGE, case_section)
        page_sections.register_section(page_sections.ALERT_PAGE, alert_section)
