"""One person, many spellings (issue 8): the name index and the duplicate review queue."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.choices import DuplicateStatus
from cases.models.base import VersionedModel
from cases.models.cases import Case
from cases.models.organisations import Organisation
from cases.models.people import Person


class PersonNameKey(models.Model):
    """One integer match key of a person's names (`cases.names.index_keys`).

    Written by `cases.services.identities.name_index_refresh` whenever names change, so that a
    search looks keys up in an index instead of transliterating every stored name. The person's
    case and its organisation (neither ever changes) are copied onto each row, so that a search
    filters by what the viewer may see inside the index (`selectors.case_visibility`) instead of
    first listing every person the viewer may see: 150,000 for a supervisor at 300,000 people.
    """

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="index_keys")
    # Copies for filtering, not relations to enforce: the rows go with their person, and a cascade
    # (or a constraint check) from a case or an organisation would scan the whole index unindexed.
    case = models.ForeignKey(Case, on_delete=models.DO_NOTHING, related_name="+", db_index=False, db_constraint=False)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.DO_NOTHING, related_name="+", db_index=False, db_constraint=False,
    )
    key = models.BigIntegerField()

    class Meta:
        indexes = [
            # Covers the whole search query (key lookup, visibility filter, grouping by person).
            models.Index(fields=["key", "organisation", "case", "person"], name="person_name_key_idx"),
        ]

    def __str__(self):
        return f"{self.person_id}:{self.key}"


class DuplicateCandidate(VersionedModel):
    """Two person records that may be one person: found by the matcher, decided by people.

    `first` has the lower id, so a pair is stored once. A merge needs a supervisor's proposal
    and a second reviewer's confirmation (never automatic); undoing it restores both records as
    they were, because the merge only links them (`Person.same_as`).
    """

    first = models.ForeignKey(Person, verbose_name=_("first record"), on_delete=models.CASCADE, related_name="+")
    second = models.ForeignKey(Person, verbose_name=_("second record"), on_delete=models.CASCADE, related_name="+")
    score = models.FloatField(_("match score"))
    # Which name forms matched how (cases.names.score): skeletons, not the names as written.
    evidence = models.JSONField(_("name evidence"), default=dict)
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=DuplicateStatus.choices,
        default=DuplicateStatus.OPEN,
    )
    survivor = models.ForeignKey(
        Person,
        verbose_name=_("record kept as the main one"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("merge proposed by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    proposed_at = models.DateTimeField(_("merge proposed at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("merge undone by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    undone_at = models.DateTimeField(_("merge undone at"), null=True, blank=True)

    class Meta:
        verbose_name = _("possible duplicate")
        verbose_name_plural = _("possible duplicates")
        ordering = ["-score", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["first", "second"], name="one_candidate_per_pair"),
            models.CheckConstraint(condition=models.Q(first__lt=models.F("second")), name="candidate_pair_ordered"),
        ]
        indexes = [models.Index(fields=["status", "-score"], name="duplicate_queue_idx")]
        permissions = [("review_duplicates", _("Can review possible duplicates and propose merges"))]

    def __str__(self):
        return f"#{self.pk}"  # nameless: ends up in audit entries

    def get_additional_data(self):
        """Tag audit entries with the first record's case and organisation (as for a person's
        records), and the second record's case, so a case's trail shows the decisions on it."""
        first_case, second_case = self.first.case, self.second.case
        return {
            "organisation": first_case.organisation_id,
            "case": str(first_case.public_id),
            "other_case": str(second_case.public_id),
            "other_organisation": second_case.organisation_id,
        }
