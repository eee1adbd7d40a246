"""Retention: reviews of closed cases, legal holds, and the record of every erasure.

Workflow lives in `cases.services.retention`; the schedule in `cases.retention`.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases.models.cases import Case
from cases.models.organisations import Organisation


class ReviewState(models.TextChoices):
    SCHEDULED = "scheduled", pgettext_lazy("retention review", "Scheduled")
    DUE = "due", pgettext_lazy("retention review", "Due")
    KEPT = "kept", pgettext_lazy("retention review", "Kept longer")
    ERASED = "erased", pgettext_lazy("retention review", "Erased")
    CANCELLED = "cancelled", pgettext_lazy("retention review", "Cancelled (case reopened)")


OPEN_REVIEW_STATES = [ReviewState.SCHEDULED, ReviewState.DUE]


class ErasureReason(models.TextChoices):
    CLIENT_REQUEST = "client_request", _("The client asked for their data to be erased")
    RETENTION_REVIEW = "retention_review", _("The retention period ended (review decision)")
    RECORDED_IN_ERROR = "recorded_in_error", _("Recorded in error or without a lawful basis")


class RetentionReview(models.Model):
    """A closed case up for review: on `due_on` a supervisor keeps it longer (with a reason) or erases it.

    Created when the case is closed; marked due by the daily task; decided by a supervisor.
    Outlives the case: after an erasure it keeps the case reference and the decision (who,
    when), while the case link is cleared and the free-text reason emptied.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation"),
    )
    case = models.ForeignKey(
        Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="retention_reviews",
        verbose_name=_("case"),
    )
    case_reference = models.CharField(_("case reference"), max_length=20)
    closed_on = models.DateField(_("counted from"))
    due_on = models.DateField(_("due on"))
    state = models.CharField(_("state"), max_length=10, choices=ReviewState.choices, default=ReviewState.SCHEDULED)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    marked_due_at = models.DateTimeField(_("marked due at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    keep_until = models.DateField(_("kept until"), null=True, blank=True)
    reason = models.TextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("retention review")
        verbose_name_plural = _("retention reviews")
        ordering = ["due_on", "pk"]
        permissions = [
            ("manage_retention", _("Can review retention, place legal holds and erase case files")),
        ]
        indexes = [models.Index(fields=["organisation", "state", "due_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(state__in=["scheduled", "due"]),
                name="one_open_retention_review_per_case",
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=["scheduled", "due", "cancelled"])
                | models.Q(decided_by__isnull=False, decided_at__isnull=False),
                name="retention_review_decision_names_its_author",
            ),
            models.CheckConstraint(
                condition=~models.Q(state="kept") | models.Q(keep_until__isnull=False),
                name="retention_review_kept_has_an_end",
            ),
        ]

    def __str__(self):
        return f"{self.case_reference} ({self.due_on})"

    @property
    def is_open(self):
        return self.state in OPEN_REVIEW_STATES

    def get_additional_data(self):
        data = {"organisation": self.organisation_id}
        if self.case_id:
            data["case"] = str(self.case.public_id)
        return data


class LegalHold(models.Model):
    """While a hold is in force the case cannot be erased, whatever its retention review says."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="legal_holds", verbose_name=_("case"))
    reason = models.TextField(_("reason for the hold"))
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("placed by"),
    )
    placed_at = models.DateTimeField(_("placed at"))
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("lifted by"),
    )
    lifted_at = models.DateTimeField(_("lifted at"), null=True, blank=True)
    lift_reason = models.TextField(_("reason for lifting"), blank=True)

    class Meta:
        verbose_name = _("legal hold")
        verbose_name_plural = _("legal holds")
        ordering = ["case", "-placed_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(lifted_at__isnull=True), name="one_active_legal_hold_per_case",
            ),
            models.CheckConstraint(
                condition=models.Q(lifted_at__isnull=True, lifted_by__isnull=True)
                | models.Q(lifted_at__isnull=False, lifted_by__isnull=False),
                name="legal_hold_lift_names_who_and_when",
            ),
        ]

    def __str__(self):
        return f"{self._meta.verbose_name} #{self.pk}"

    @property
    def is_active(self):
        return self.lifted_at is None

    def get_additional_data(self):
        return {"organisation": self.case.organisation_id, "case": str(self.case.public_id)}


class ErasureRecord(models.Model):
    """That a case was erased, kept for ever: never any of the erased data.

    The case reference is the public code printed on the organisation's papers (KZ-2026-000123),
    not a name. `counts` maps record types ("cases.person") to how many rows went.
    `case_public_id` ties the redacted audit entries of the case to this record.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="+", verbose_name=_("organisation"),
    )
    case_reference = models.CharField(_("case reference"), max_length=20, db_index=True)
    case_public_id = models.UUIDField(_("case public id"))
    reason = models.CharField(_("reason"), max_length=20, choices=ErasureReason.choices)
    request_received_on = models.DateField(_("request received on"), null=True, blank=True)
    review = models.OneToOneField(
        RetentionReview, on_delete=models.PROTECT, null=True, blank=True, related_name="erasure",
        verbose_name=_("retention review"),
    )
    erased_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("erased by"),
    )
    erased_at = models.DateTimeField(_("erased at"))
    counts = models.JSONField(_("records erased"), default=dict)
    audit_entries_redacted = models.PositiveIntegerField(_("audit entries redacted"), default=0)
    files_erased = models.PositiveIntegerField(_("files erased"), default=0)
    # Set after commit if storage refused a deletion; the files are then named in the server log only.
    files_not_erased = models.PositiveIntegerField(_("files storage could not erase"), default=0)

    class Meta:
        verbose_name = _("erasure record")
        verbose_name_plural = _("erasure records")
        ordering = ["-erased_at", "-pk"]
        default_permissions = ("view",)
        constraints = [
            models.CheckConstraint(
                condition=models.Q(reason="retention_review", review__isnull=False)
                | (~models.Q(reason="retention_review") & models.Q(review__isnull=True)),
                name="erasure_by_review_names_the_review",
            ),
        ]

    def __str__(self):
        return self.case_reference

    def get_additional_data(self):
        return {"organisation": self.organisation_id}
