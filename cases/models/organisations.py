from django.contrib.auth.models import AbstractUser, Group
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.choices import OrganisationKind, Role


class Organisation(models.Model):
    """An NGO, UNHCR office, legal clinic or service provider.

    Each organisation owns two groups that carry its per-case grants: `owners_group` (its
    supervisors: every case the organisation owns) and `recipients_group` (the members who see
    cases another organisation shares with it). Membership of these groups follows the role.
    """

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=OrganisationKind.choices)
    countries = models.JSONField(
        _("countries of operation"), default=list, blank=True,
        help_text=_("ISO country codes where the organisation works."),
    )
    owners_group = models.OneToOneField(
        Group, on_delete=models.PROTECT, related_name="owner_organisation", editable=False,
    )
    recipients_group = models.OneToOneField(
        Group, on_delete=models.PROTECT, related_name="recipient_organisation", editable=False,
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self):
        return self.name


class User(AbstractUser):
    """A staff member of one organisation with one role."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="members",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, blank=True)
    preferred_language = models.CharField(_("preferred language"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role="") | models.Q(organisation__isnull=False),
                name="user_with_role_has_organisation",
            ),
        ]

    def __str__(self):
        return self.get_full_name() or self.username
