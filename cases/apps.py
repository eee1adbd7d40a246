from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "cases"
    verbose_name = _("Case files")

    def ready(self):
        from cases import audit, middleware, revisions, roles  # noqa: F401 - middleware: the login-time receiver

        audit.register_models()
        revisions.track_case_models()
        # Permissions exist only after migrate has created them, so role groups are synced
        # here rather than in a data migration (which must not import app code either).
        post_migrate.connect(roles.sync_role_groups_after_migrate, sender=self)
