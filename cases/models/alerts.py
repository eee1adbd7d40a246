"""Refoulement alerts: the queue UNHCR liaisons work, with its workflow, interventions and notifications."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.choices import (
    HOST_COUNTRIES,
    OPEN_ALERT_STATES,
    AlertEventKind,
    AlertState,
    InterventionKind,
    RiskLevel,
)
from cases.encryption import EncryptedTextField
from cases.models.base import EmailNotification, VersionedModel
from cases.models.cases import Case
from cases.models.risk import RiskAssessment
from cases.querysets import AlertQuerySet


class Alert(VersionedModel):
    """A case whose risk rose to HIGH or IMMINENT, waiting for a UNHCR liaison to act.

    `trigger` is the level that opened it; the partial unique constraint keeps one open alert per
    case and trigger however often the case is recomputed.
    """

    public_id = models.UUIDField(_("public id"), unique=True, editable=False)
    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="alerts")
    # Copied from the case so the liaison queue filters without joining into case files.
    country = models.CharField(_("host country"), max_length=2, choices=HOST_COUNTRIES)
    trigger = models.CharField(_("trigger"), max_length=10, choices=RiskLevel.choices)
    level = models.CharField(_("current level"), max_length=10, choices=RiskLevel.choices)
    state = models.CharField(_("state"), max_length=14, choices=AlertState.choices, default=AlertState.NEW)
    opened_by_assessment = models.ForeignKey(RiskAssessment, verbose_name=_("opened by assessment"),
                                             on_delete=models.PROTECT, related_name="+")
    # The HIGH/IMMINENT level rules behind the alert (rules.alert_reasons), grown by new signals.
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    opened_at = models.DateTimeField(_("opened at"))
    acknowledge_by = models.DateTimeField(_("acknowledge by"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("acknowledged by"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )
    responsible_liaison = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("responsible liaison"),
    )
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("closed by"), on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )

    objects = AlertQuerySet.as_manager()

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-opened_at"]
        permissions = [("work_alert", _("Can acknowledge, work and close refoulement alerts"))]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "trigger"],
                condition=models.Q(state__in=[str(state) for state in OPEN_ALERT_STATES]),
                name="one_open_alert_per_case_and_trigger",
            ),
        ]
        indexes = [
            models.Index(fields=["country", "state"]),
            models.Index(fields=["state", "acknowledge_by"]),
        ]

    def __str__(self):
        return str(self.public_id)

    def get_additional_data(self):
        return {"organisation": self.case.organisation_id, "case": str(self.case.public_id)}


class AlertEvent(models.Model):
    """A step in an alert's life: who did what, when, and why."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("what happened"), max_length=16, choices=AlertEventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
    )
    at = models.DateTimeField(_("when"))
    note = EncryptedTextField(_("note"), blank=True)
    # Codes (rule ids, levels) that let the event render in any language.
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("alert event")
        verbose_name_plural = _("alert events")
        ordering = ["alert", "at", "pk"]

    def __str__(self):
        return f"{self.alert_id}: {self.kind}"


class Intervention(models.Model):
    """Something done to stop a removal: access requested, lawyer instructed, appeal sent..."""

    alert = models.ForeignKey(Alert, verbose_name=_("alert"), on_delete=models.CASCADE, related_name="interventions")
    kind = models.CharField(_("intervention"), max_length=24, choices=InterventionKind.choices)
    done_at = models.DateTimeField(_("done at"))
    note = EncryptedTextField(_("note"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), on_delete=models.PROTECT,
                                    related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("intervention")
        verbose_name_plural = _("interventions")
        ordering = ["alert", "done_at", "pk"]

    def __str__(self):
        return f"{self.alert_id}: {self.kind}"

    def get_additional_data(self):
        return {"organisation": self.alert.case.organisation_id, "case": str(self.alert.case.public_id)}


class AlertNotification(EmailNotification):
    """One email about an alert to one person."""

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="notifications")
    reason = models.CharField(_("reason"), max_length=16, choices=AlertEventKind.choices)

    class Meta:
        verbose_name = _("alert notification")
        verbose_name_plural = _("alert notifications")
        ordering = ["alert", "created_at", "pk"]

    def __str__(self):
        return f"{self.alert_id} -> {self.recipient_id}: {self.status}"
