import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from cases.choices import HOST_COUNTRIES, CaseStatus, RiskLevel, Sensitivity, UnhcrStatus
from cases.models.base import VersionedModel
from cases.models.organisations import Organisation
from cases.querysets import CaseQuerySet

HOST_COUNTRY_NAMES = dict(HOST_COUNTRIES)


class Case(VersionedModel):
    """One protection case: a principal applicant, the household and everything known about them."""

    public_id = models.UUIDField(_("public id"), default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(_("reference"), max_length=20, unique=True, editable=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="cases", verbose_name=_("owning organisation"),
    )
    host_country = models.CharField(_("host country"), max_length=2, choices=HOST_COUNTRIES)
    host_city = models.CharField(_("city"), max_length=120, blank=True)
    opened_on = models.DateField(_("opened on"))
    status = models.CharField(_("status"), max_length=20, choices=CaseStatus.choices, default=CaseStatus.OPEN)
    status_reason = models.CharField(_("reason for the current status"), max_length=300, blank=True)
    status_changed_on = models.DateField(_("status since"))
    unhcr_status = models.CharField(
        _("UNHCR status"), max_length=20, choices=UnhcrStatus.choices, default=UnhcrStatus.NONE,
    )
    unhcr_number = models.CharField(_("UNHCR number"), max_length=40, blank=True)
    unhcr_registration_date = models.DateField(_("UNHCR registration date"), null=True, blank=True)
    sensitivity = models.CharField(
        _("sensitivity"), max_length=12, choices=Sensitivity.choices, default=Sensitivity.NORMAL,
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("created by"),
    )
    # Written only by the risk services (cases.services.risk), never by forms: a copy of the
    # current assessment's level for list filters and sorting, and a pointer to its explanation.
    risk_level = models.CharField(_("refoulement risk"), max_length=10, choices=RiskLevel.choices, blank=True)
    risk_assessment = models.ForeignKey(
        "cases.RiskAssessment", verbose_name=_("risk assessment"), on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+", editable=False,
    )

    objects = CaseQuerySet.as_manager()

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        permissions = [
            ("assign_case", _("Can assign and unassign caseworkers")),
            ("share_case", _("Can share a case with another organisation")),
            ("export_cases", _("Can export a caseload overview (CSV)")),
        ]
        indexes = [
            models.Index(fields=["organisation", "status"]),
            models.Index(fields=["host_country", "status"]),
            models.Index(fields=["-updated_at"]),
            models.Index(fields=["-opened_on"]),
            models.Index(fields=["organisation", "risk_level"]),
        ]

    def __str__(self):
        return self.reference

    # Cheap labels for list rows: Django's get_FOO_display() rebuilds and hashes the whole
    # choices list on every call, which cost ~15 ms per page of 25 cases.
    @property
    def host_country_name(self):
        return HOST_COUNTRY_NAMES.get(self.host_country, self.host_country)

    @property
    def status_label(self):
        return CaseStatus(self.status).label

    @property
    def risk_level_label(self):
        return RiskLevel(self.risk_level).label if self.risk_level else ""

    @property
    def unhcr_status_label(self):
        return UnhcrStatus(self.unhcr_status).label

    def get_additional_data(self):
        """Tag audit entries with the owning organisation so auditors can scope them."""
        return {"organisation": self.organisation_id, "case": str(self.public_id)}


class CaseRevision(models.Model):
    """How many times anything recorded on the case has changed: the "case version" documents cite.

    `Case.version` guards the case form against stale edits and moves only with the case row;
    this counter moves with every change to the file (people, documents, events, notes...; see
    `cases.revisions`). A row of its own, bumped by UPDATE, so no save of a stale Case instance
    can ever set it back.
    """

    case = models.OneToOneField(Case, on_delete=models.CASCADE, primary_key=True, related_name="revision")
    number = models.PositiveBigIntegerField(default=0)

    def __str__(self):
        return f"case {self.case_id} revision {self.number}"


class CaseReferenceSequence(models.Model):
    """The last number handed out per host country and year (KZ-2026-000123)."""

    host_country = models.CharField(max_length=2)
    year = models.PositiveSmallIntegerField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["host_country", "year"], name="one_sequence_per_country_year"),
        ]

    def __str__(self):
        return f"{self.host_country}-{self.year}: {self.last_number}"


class CaseStatusChange(models.Model):
    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(_("from"), max_length=20, choices=CaseStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=CaseStatus.choices)
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    effective_on = models.DateField(_("effective on"))
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("changed by"), on_delete=models.PROTECT,
                                   related_name="+")
    changed_at = models.DateTimeField(_("changed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["-changed_at"]

    def __str__(self):
        return f"{self.case_id}: {self.from_status} -> {self.to_status}"

    def get_additional_data(self):
        return {"organisation": self.case.organisation_id, "case": str(self.case.public_id)}


class CaseAssignment(models.Model):
    """A caseworker responsible for a case. Granting and revoking access follows these rows."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="assignments")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="case_assignments")
    assigned_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("assigned by"), on_delete=models.PROTECT,
                                    related_name="+")
    assigned_at = models.DateTimeField(_("assigned at"), auto_now_add=True)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [models.UniqueConstraint(fields=["case", "user"], name="one_assignment_per_case_user")]
        indexes = [models.Index(fields=["user", "case"])]

    def __str__(self):
        return f"{self.case_id} -> {self.user_id}"

    def get_additional_data(self):
        return {"organisation": self.case.organisation_id, "case": str(self.case.public_id)}


class CaseShare(models.Model):
    """A case made visible to another organisation (a legal clinic, a UNHCR office)."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="shares")
    organisation = models.ForeignKey(Organisation, verbose_name=_("organisation"), on_delete=models.CASCADE,
                                     related_name="shared_cases")
    purpose = models.CharField(_("purpose"), max_length=300)
    shared_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("shared by"), on_delete=models.PROTECT,
                                  related_name="+")
    shared_at = models.DateTimeField(_("shared at"), auto_now_add=True)

    class Meta:
        verbose_name = _("share")
        verbose_name_plural = _("shares")
        constraints = [
            models.UniqueConstraint(fields=["case", "organisation"], name="one_share_per_case_organisation"),
        ]

    def __str__(self):
        return f"{self.case_id} -> {self.organisation_id}"

    def get_additional_data(self):
        return {"organisation": self.case.organisation_id, "case": str(self.case.public_id)}


class CaseUserObjectPermission(UserObjectPermissionBase):
    """Direct-FK guardian table: per-user grants on one case (assignment)."""

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        indexes = [models.Index(fields=["user", "permission", "content_object"])]


class CaseGroupObjectPermission(GroupObjectPermissionBase):
    """Direct-FK guardian table: per-group grants on one case (organisation ownership, sharing)."""

    content_object = models.ForeignKey(Case, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        indexes = [models.Index(fields=["group", "permission", "content_object"])]
