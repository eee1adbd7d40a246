from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.choices import (
    COUNTRIES,
    DatePrecision,
    IncidentCategory,
    IncidentSource,
    RelativeRelationship,
    RelativeStatus,
    RemedyRemaining,
)
from cases.encryption import EncryptedCharField, EncryptedFileSystemStorage, EncryptedTextField
from cases.models.base import VersionedModel
from cases.models.cases import Case


class CaseRecord(VersionedModel):
    """Something recorded on a case (not on one person of it)."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="%(class)ss")

    class Meta:
        abstract = True

    def get_additional_data(self):
        return {"organisation": self.case.organisation_id, "case": str(self.case.public_id)}


class Relative(CaseRecord):
    """A family member still in China: the pressure point the client worries about most."""

    relationship = models.CharField(_("relationship"), max_length=20, choices=RelativeRelationship.choices)
    name = EncryptedCharField(_("name"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=20, choices=RelativeStatus.choices)
    status_since = models.DateField(_("since"), null=True, blank=True)
    last_contact_on = models.DateField(_("last contact"), null=True, blank=True)
    source = EncryptedCharField(_("source of this information"), max_length=200, blank=True)
    notes = EncryptedTextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("relative in China")
        verbose_name_plural = _("relatives in China")
        ordering = ["case", "relationship", "pk"]

    def __str__(self):
        return str(self.get_relationship_display())


class Incident(CaseRecord):
    """An event on the case timeline, in China, in flight or in the host country."""

    category = models.CharField(_("category"), max_length=32, choices=IncidentCategory.choices)
    occurred_on = models.DateField(_("date"))
    occurred_on_precision = models.CharField(
        _("precision of the date"), max_length=12, choices=DatePrecision.choices, default=DatePrecision.EXACT,
    )
    place = EncryptedCharField(_("place"), max_length=200, blank=True)
    description = EncryptedTextField(_("what happened"))
    source = models.CharField(_("source"), max_length=20, choices=IncidentSource.choices)
    country = models.CharField(
        _("country concerned"), max_length=2, choices=COUNTRIES, blank=True,
        help_text=_("For planned travel: the destination or transit country."),
    )
    domestic_remedy_remaining = models.CharField(
        _("domestic remedy remaining"), max_length=8, choices=RemedyRemaining.choices, blank=True,
        help_text=_("For an approved extradition: can an appeal or other remedy in the host country still stop it?"),
    )

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["case", "-occurred_on", "-pk"]

    def __str__(self):
        return str(self.get_category_display())


class Note(CaseRecord):
    author = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("author"), on_delete=models.PROTECT,
                               related_name="+")
    text = EncryptedTextField(_("note"))

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        ordering = ["case", "-created_at", "-pk"]

    def __str__(self):
        return str(_("Note"))


class Attachment(CaseRecord):
    """An uploaded file. Stored outside the web root and served only through the case's access policy."""

    # Encrypted at rest; read it through `file.open()`, which decrypts (cases.encryption).
    file = models.FileField(_("file"), upload_to="attachments/%Y/%m/", storage=EncryptedFileSystemStorage())
    original_name = EncryptedCharField(_("file name"), max_length=200)
    description = EncryptedCharField(_("description"), max_length=300, blank=True)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), on_delete=models.PROTECT,
                                    related_name="+")

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["case", "-created_at", "-pk"]

    def __str__(self):
        return str(_("Attachment"))
