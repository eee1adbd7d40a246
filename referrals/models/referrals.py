import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.encryption import EncryptedJSONField, EncryptedTextField
from cases.models import Case, Person
from cases.models.base import EmailNotification
from referrals.choices import (
    DeclineReason,
    NotificationReason,
    OverrideReview,
    Purpose,
    ReferralEventKind,
    ReferralOutcome,
    ReferralPriority,
    ReferralState,
)
from referrals.models.consents import Consent
from referrals.models.providers import ServiceProvider


class ReferralSequence(models.Model):
    """Hands out RF-2026-000123 references: a code the provider can quote without naming the client."""

    year = models.PositiveSmallIntegerField(unique=True)
    last_number = models.PositiveIntegerField(default=0)

    def __str__(self):
        return f"{self.year}: {self.last_number}"


class ReferralQuerySet(models.QuerySet):
    def with_legal_basis(self, on):
        """Consent in force on `on`, or sent under an emergency override (`permissions.consent_holds`)."""
        in_force = models.Q(consent__isnull=False, consent__withdrawn_at__isnull=True) & (
            models.Q(consent__valid_until__isnull=True) | models.Q(consent__valid_until__gte=on)
        )
        return self.filter(in_force | models.Q(consent__isnull=True) & ~models.Q(override_reason=""))

    def overdue(self, now):
        """Past the priority deadline, not yet taken on, and still resting on a legal basis."""
        from referrals.choices import AWAITING_PROVIDER_STATES

        return self.filter(state__in=AWAITING_PROVIDER_STATES, due_at__lt=now).with_legal_basis(now.date())


class Referral(models.Model):
    """A referral of one client to one provider, carrying exactly the consented data.

    `shared_data` is the snapshot taken when the referral was sent, limited to the consented
    categories: what the provider sees is what was released, and the record of the release.
    `summary` is the de-identified pre-screening summary of a legal referral, shown to the
    provider before it accepts.
    """

    public_id = models.UUIDField(_("public identifier"), default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="referrals")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("client"))
    provider = models.ForeignKey(
        ServiceProvider, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("provider"),
    )
    purpose = models.CharField(_("type of referral"), max_length=16, choices=Purpose.choices)
    priority = models.CharField(_("priority"), max_length=10, choices=ReferralPriority.choices)
    services_requested = models.JSONField(_("services requested"), default=list)
    reasons = EncryptedTextField(_("reasons for referral"))
    services_provided = EncryptedTextField(_("services already provided"), blank=True)
    data_categories = models.JSONField(_("data to share"), default=list)
    consent = models.ForeignKey(
        Consent, on_delete=models.PROTECT, null=True, blank=True, related_name="referrals",
        verbose_name=_("consent"),
    )
    state = models.CharField(_("state"), max_length=12, choices=ReferralState.choices, default=ReferralState.DRAFT)
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("referred by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    due_at = models.DateTimeField(_("respond by"), null=True, blank=True)
    reminded_at = models.DateTimeField(_("reminder sent at"), null=True, blank=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    decline_reason = models.CharField(
        _("reason for declining"), max_length=16, choices=DeclineReason.choices, blank=True,
    )
    outcome = models.CharField(_("outcome"), max_length=20, choices=ReferralOutcome.choices, blank=True)
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    # The released copy of case data (phones, documents, relatives...): encrypted like its source.
    shared_data = EncryptedJSONField(_("data shared"), default=dict, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    # Emergency override (vital interest): sent without a covering consent.
    override_reason = EncryptedTextField(_("reason for sending without consent"), blank=True)
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("sent without consent by"),
    )
    override_review = models.CharField(
        _("supervisor review"), max_length=16, choices=OverrideReview.choices, blank=True,
    )
    override_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("override reviewed by"), on_delete=models.PROTECT, null=True,
        blank=True, related_name="+",
    )
    override_reviewed_at = models.DateTimeField(_("override reviewed at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    objects = ReferralQuerySet.as_manager()

    class Meta:
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        ordering = ["-created_at", "-pk"]
        permissions = [
            ("send_without_consent", _("Can send a referral without consent in an emergency (vital interest)")),
            ("review_override", _("Can review referrals sent without consent")),
            ("answer_referral", _("Can answer referrals sent to the organisation")),
        ]
        indexes = [
            models.Index(fields=["provider", "state"]),
            models.Index(fields=["state", "due_at"]),
            models.Index(fields=["case", "state"]),
        ]
        constraints = [
            models.CheckConstraint(
                # A draft withdrawn before sending was never sent; every other state was.
                condition=models.Q(state__in=["draft", "withdrawn"]) | models.Q(sent_at__isnull=False),
                name="referral_sent_has_sent_at",
            ),
            models.CheckConstraint(
                condition=models.Q(sent_at__isnull=True) | models.Q(consent__isnull=False)
                | ~models.Q(override_reason=""),
                name="referral_sent_has_consent_or_override",
            ),
            models.CheckConstraint(
                condition=models.Q(override_reason="") | models.Q(override_by__isnull=False),
                name="referral_override_names_its_sender",
            ),
        ]

    def __str__(self):
        return self.reference

    def get_additional_data(self):
        return {"organisation": self.case.organisation_id, "case": str(self.case.public_id)}

    @property
    def is_override(self):
        return bool(self.override_reason)


class ReferralEvent(models.Model):
    """One step of a referral: who did what, when, with a note."""

    referral = models.ForeignKey(Referral, verbose_name=_("referral"), on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("event"), max_length=20, choices=ReferralEventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("actor"), on_delete=models.PROTECT, null=True,
                              blank=True,
                              related_name="+")
    at = models.DateTimeField(_("at"))
    note = EncryptedTextField(_("note"), blank=True)
    # Codes (categories released, legal basis, outcome) that render in any language.
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("referral event")
        verbose_name_plural = _("referral events")
        ordering = ["referral", "at", "pk"]

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    def get_additional_data(self):
        return {"organisation": self.referral.case.organisation_id}


class ReferralNotification(EmailNotification):
    """One email about a referral to one person."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="notifications")
    reason = models.CharField(_("reason"), max_length=16, choices=NotificationReason.choices)

    class Meta:
        verbose_name = _("referral notification")
        verbose_name_plural = _("referral notifications")
        ordering = ["referral", "created_at", "pk"]

    def __str__(self):
        return f"{self.referral_id} -> {self.recipient_id}: {self.status}"
