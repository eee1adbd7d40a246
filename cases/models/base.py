from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.choices import NotificationStatus


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


class EmailNotification(models.Model):
    """One email to one person about something that happened; the row lets a failed send be retried and seen.

    Subclasses add what the email is about and why (`cases.mailing.deliver` sends them).
    """

    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(
        _("status"), max_length=10, choices=NotificationStatus.choices, default=NotificationStatus.PENDING,
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        abstract = True
