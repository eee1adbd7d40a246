from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """PDF documents generated from case files; depends on `referrals` and `cases`."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "reports"
    verbose_name = _("Reports")

    def ready(self):
        from cases import audit, page_sections, revisions, roles
        from reports import permissions
        from reports.models import Exhibit, Filing, GeneratedDocument, SpecificNeed
        from reports.views import alert_section, case_section

        # cases.audit.register masks every encrypted field whole, whatever is listed here.
        audit.register(GeneratedDocument, exclude_fields=["file", "started_at", "attempts", "error"])
        # The applicant's words and needs never enter a diff; the audit says who changed them and when.
        audit.register(Filing, exclude_fields=["version", "updated_at"],
                       mask_fields=["declaration_text", "translation_text", "special_issues", "translator_name",
                                    "secondary_category"])
        audit.register(Exhibit, exclude_fields=["file"], mask_fields=["title", "source"])
        audit.register(SpecificNeed, mask_fields=["description", "category"])
        roles.grant_to_roles(permissions.ROLE_PERMISSIONS)
        # Filing materials are what the packets print: changing them moves the case's revision.
        revisions.track(Filing, lambda filing: filing.case_id)
        for model in (Exhibit, SpecificNeed):
            revisions.track(model, lambda record: Filing.objects.filter(pk=record.filing_id).values_list(
                "case_id", flat=True).first())
        page_sections.register_section(page_sections.CASE_PAGE, case_section)
        page_sections.register_section(page_sections.ALERT_PAGE, alert_section)
        from cases import erasure
        from reports.services.erasure import erase_case_documents, preview_case_documents

        erasure.register_eraser(erase_case_documents, preview_case_documents)
