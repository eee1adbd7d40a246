from django.db import models
from django.utils.translation import gettext_lazy as _


class VersionedModel(models.Model):
    """A record edited through forms: `version` guards against silent overwrites.

    Services compare the version a form was rendered with against the stored one and refuse
    the save when they differ (see `cases.services.versioning`).
    """

    version = models.PositiveIntegerField(_("version"), default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True
