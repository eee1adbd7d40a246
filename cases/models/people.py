from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from cases.choices import (
    COUNTRIES,
    ContactMethod,
    DatePrecision,
    DocumentType,
    HouseholdRelationship,
    PermitType,
    Sex,
)
from cases.encryption import BlindIndexField, EncryptedCharField, EncryptedTextField
from cases.models.base import VersionedModel
from cases.models.cases import Case

# The scripts a Uyghur name is written in. Each has its own given/father/other name fields so
# that what the person or the document wrote is kept exactly; nothing is transliterated here.
NAME_SCRIPTS = [
    ("ug_arab", _("Uyghur (Arabic script)")),
    ("ug_latn", _("Uyghur (Latin script)")),
    ("cyrl", _("Cyrillic")),
    ("hans", _("Chinese characters")),
    ("pinyin", _("Pinyin")),
]
NAME_PARTS = [
    ("given_name", _("given name")),
    ("father_name", _("father's name")),
    ("other_names", _("other names")),
]
NAME_FIELDS = [f"{part}_{script}" for script, _label in NAME_SCRIPTS for part, _plabel in NAME_PARTS]


class Person(VersionedModel):
    """The principal applicant or a household member of a case."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="people")
    relationship = models.CharField(
        _("relationship to the principal"), max_length=20, choices=HouseholdRelationship.choices,
    )
    # given_name_<script>, father_name_<script>, other_names_<script>: added below the class.
    # Lower-cased concatenation of every name part, rebuilt by the person services on each write,
    # so that search by any script is one indexed column rather than fifteen.
    search_names = models.TextField(_("search keys"), editable=False, default="")
    # Cross-script match keys (cases.names.person_keys), rebuilt with search_names on each write;
    # their integer index lives in PersonNameKey. "v" is the key version (see name_keys_rebuild).
    name_keys = models.JSONField(_("name match keys"), editable=False, default=dict)
    # Set when a supervisor and a second reviewer agreed this record is the same person as
    # another (cases.services.identities): nothing moves, both records keep every name and document.
    same_as = models.ForeignKey(
        "self", verbose_name=_("same person as"), on_delete=models.SET_NULL, null=True, blank=True,
        editable=False, related_name="merged_records",
    )
    date_of_birth = models.DateField(_("date of birth"), null=True, blank=True)
    date_of_birth_precision = models.CharField(
        _("precision of the date of birth"), max_length=12, choices=DatePrecision.choices,
        default=DatePrecision.EXACT,
    )
    place_of_birth = models.CharField(_("place of birth"), max_length=120, blank=True)
    sex = models.CharField(_("sex"), max_length=10, choices=Sex.choices, default=Sex.UNKNOWN)
    languages = models.JSONField(_("languages"), default=list, blank=True)
    safe_contact_method = models.CharField(
        _("safe contact method"), max_length=20, choices=ContactMethod.choices, blank=True,
    )
    contact_notes = EncryptedCharField(
        _("contact precautions"), max_length=300, blank=True,
        help_text=_("For example: never call before 18:00; do not leave messages."),
    )
    address = EncryptedTextField(
        _("address in the host country"), max_length=500, blank=True,
        help_text=_("Where the person can be found or written to. Leave empty if even this is unsafe to record."),
    )

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["case", "created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"], condition=models.Q(relationship="principal"), name="one_principal_per_case",
            ),
        ]

    def __str__(self):
        # Deliberately nameless: __str__ ends up in audit entries and admin logs.
        return f"{self.get_relationship_display()} #{self.pk}"

    @property
    def display_name(self):
        """The first script in which both parts exist, as 'given father'; else any part."""
        for script, _label in NAME_SCRIPTS:
            parts = [getattr(self, f"{part}_{script}") for part, _plabel in NAME_PARTS[:2]]
            if any(parts):
                return " ".join(p for p in parts if p)
        return ""

    def names_by_script(self):
        """Rows of (script label, given, father, other) for the scripts that have a name."""
        rows = []
        for script, label in NAME_SCRIPTS:
            values = [getattr(self, f"{part}_{script}") for part, _plabel in NAME_PARTS]
            if any(values):
                rows.append((label, *values))
        return rows

    @property
    def is_principal(self):
        return self.relationship == HouseholdRelationship.PRINCIPAL

    def get_additional_data(self):
        return {"organisation": self.case.organisation_id, "case": str(self.case.public_id)}


for _script, _script_label in NAME_SCRIPTS:
    for _part, _part_label in NAME_PARTS:
        Person.add_to_class(
            f"{_part}_{_script}",
            models.CharField(format_lazy("{} ({})", _part_label, _script_label), max_length=120, blank=True),
        )


class PersonRecordAudit:
    """Tag audit entries of a person's records with the case and its owning organisation."""

    def get_additional_data(self):
        return {"organisation": self.person.case.organisation_id, "case": str(self.person.case.public_id)}


class PersonPhone(PersonRecordAudit, models.Model):
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="phones")
    number = EncryptedCharField(_("phone number"), max_length=20, help_text=_("Stored in E.164 form."))
    # Exact lookup (case search by phone) without a readable number: see cases.encryption.
    number_index = BlindIndexField(_("number (blind index)"), source="number", kind="phone")
    label = models.CharField(_("label"), max_length=60, blank=True)
    is_safe = models.BooleanField(_("safe to call"), default=True)

    class Meta:
        verbose_name = _("phone number")
        verbose_name_plural = _("phone numbers")

    def __str__(self):
        return str(_("phone number"))


class IdentityDocument(PersonRecordAudit, VersionedModel):
    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="documents")
    document_type = models.CharField(_("document type"), max_length=30, choices=DocumentType.choices)
    number = EncryptedCharField(_("document number"), max_length=60, blank=True)
    # HMAC of the number upper-cased without spaces or dashes: what search compares against.
    number_index = BlindIndexField(_("number (blind index)"), source="number", kind="document")
    issuing_country = models.CharField(_("issuing country"), max_length=2, choices=COUNTRIES)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)
    name_as_printed = models.CharField(
        _("name exactly as printed"), max_length=200, blank=True,
        help_text=_("Copy the name letter for letter, in the order the document prints it."),
    )

    class Meta:
        verbose_name = _("identity document")
        verbose_name_plural = _("identity documents")
        ordering = ["person", "-expires_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_on__isnull=True)
                | models.Q(issued_on__isnull=True)
                | models.Q(expires_on__gte=models.F("issued_on")),
                name="document_expires_after_issue",
            ),
        ]

    def __str__(self):
        return str(self.get_document_type_display())


class LegalStatus(PersonRecordAudit, VersionedModel):
    """A person's permission to stay in the host country, over time."""

    person = models.ForeignKey(Person, verbose_name=_("person"), on_delete=models.CASCADE,
                               related_name="legal_statuses")
    permit_type = models.CharField(_("permit type"), max_length=30, choices=PermitType.choices)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    notes = EncryptedCharField(_("notes"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("legal status")
        verbose_name_plural = _("legal statuses")
        ordering = ["person", "-valid_from"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(valid_until__isnull=True)
                | models.Q(valid_from__isnull=True)
                | models.Q(valid_until__gte=models.F("valid_from")),
                name="legal_status_ends_after_start",
            ),
        ]

    def __str__(self):
        return str(self.get_permit_type_display())
