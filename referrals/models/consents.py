from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.choices import LANGUAGES_SPOKEN
from cases.encryption import EncryptedCharField, EncryptedTextField
from cases.models import Attachment, Case, Organisation, Person
from referrals.choices import ConsentMethod, DataCategory, Purpose


class ConsentQuerySet(models.QuerySet):
    def in_force(self, on):
        """Not withdrawn, and not past its end date on `on` (the day it ends still counts)."""
        return self.filter(withdrawn_at__isnull=True).filter(
            models.Q(valid_until__isnull=True) | models.Q(valid_until__gte=on),
        )


class Consent(models.Model):
    """A client's informed consent to release named data to one recipient for one purpose.

    Never edited: a different scope is a new consent (and the old one withdrawn), so what a
    referral relied on stays exactly as the client agreed to it. Blanket consent for all future
    services is not valid (IASC referral guidance), hence one recipient and one purpose per row.
    """

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="consents")
    person = models.ForeignKey(
        # PROTECT: who agreed to what must outlive an edit of the household.
        Person, on_delete=models.PROTECT, related_name="consents", verbose_name=_("client"),
        help_text=_("The person whose data is shared. For a child, record who consented in the notes."),
    )
    recipient = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="consents_received", verbose_name=_("recipient"),
    )
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    data_categories = models.JSONField(_("data that may be shared"), default=list)
    obtained_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("obtained by"),
    )
    obtained_on = models.DateField(_("obtained on"))
    method = models.CharField(_("how consent was given"), max_length=8, choices=ConsentMethod.choices)
    language = models.CharField(_("language of the consent conversation"), max_length=8, choices=LANGUAGES_SPOKEN)
    interpreter = EncryptedCharField(
        _("interpreter"), max_length=200, blank=True,
        help_text=_("Who interpreted, if anyone: interpreters are told the data too."),
    )
    fears_reprisal = models.BooleanField(
        _("the client fears reprisals against relatives"), default=False,
    )
    notes = EncryptedTextField(_("notes"), blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    signed_form = models.ForeignKey(
        Attachment, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("signed consent form"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("withdrawal recorded by"), on_delete=models.PROTECT, null=True,
        blank=True, related_name="+",
    )
    withdrawal_note = EncryptedTextField(_("withdrawal note"), blank=True)

    objects = ConsentQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["case", "-obtained_on", "-pk"]
        indexes = [models.Index(fields=["case", "recipient", "purpose"])]

    def __str__(self):
        # Shown in the audit trail and the admin, in the reader's language; no names.
        return f"{self.get_purpose_display()} #{self.pk}"

    def get_additional_data(self):
        return {"organisation": self.case.organisation_id, "case": str(self.case.public_id)}

    def in_force(self, on) -> bool:
        """The same rule as `ConsentQuerySet.in_force`, for one consent."""
        return self.withdrawn_at is None and (self.valid_until is None or self.valid_until >= on)

    def has_expired(self, on) -> bool:
        return self.withdrawn_at is None and self.valid_until is not None and self.valid_until < on

    def category_labels(self):
        return [DataCategory(code).label for code in self.data_categories if code in DataCategory.values]
