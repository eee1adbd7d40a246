from django.conf import settings
from django.contrib.auth.models import AbstractUser, Group
from django.db import models
from django.utils.translation import gettext_lazy as _
from guardian.models import GroupObjectPermissionBase, UserObjectPermissionBase

from cases.choices import OrganisationKind, Role


class Organisation(models.Model):
    """An NGO, UNHCR office, legal clinic or service provider.

    Each organisation owns two groups. `owners_group` (its supervisors) holds the object
    permissions `view_organisation_cases` and `change_organisation_cases` on the organisation
    itself: one grant covers every case the organisation owns, now and later, without a row per
    case. `recipients_group` (its lawyers, liaisons, supervisors) receives per-case grants when
    another organisation shares a case with it. Membership of both follows the role.
    """

    name = models.CharField(_("name"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=32, choices=OrganisationKind.choices)
    countries = models.JSONField(
        _("countries of operation"), default=list, blank=True,
        help_text=_("ISO country codes where the organisation works."),
    )
    owners_group = models.OneToOneField(
        Group, verbose_name=_("owners group"), on_delete=models.PROTECT, related_name="owner_organisation",
        editable=False,
    )
    recipients_group = models.OneToOneField(
        Group, verbose_name=_("recipients group"), on_delete=models.PROTECT, related_name="recipient_organisation",
        editable=False,
    )

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]
        permissions = [
            ("view_organisation_cases", _("Can see every case the organisation owns")),
            ("change_organisation_cases", _("Can work on every case the organisation owns")),
        ]

    def __str__(self):
        return self.name

    def get_additional_data(self):
        return {"organisation": self.pk}


class OrganisationUserObjectPermission(UserObjectPermissionBase):
    """Direct-FK guardian table for grants on an organisation (kept beside the group table, as guardian advises)."""

    content_object = models.ForeignKey(Organisation, on_delete=models.CASCADE)

    class Meta(UserObjectPermissionBase.Meta):
        pass


class OrganisationGroupObjectPermission(GroupObjectPermissionBase):
    """Direct-FK guardian table: an organisation's owners group holds its organisation-wide case grants."""

    content_object = models.ForeignKey(Organisation, on_delete=models.CASCADE)

    class Meta(GroupObjectPermissionBase.Meta):
        pass


class User(AbstractUser):
    """A staff member of one organisation with one role."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="members",
        verbose_name=_("organisation"),
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices, blank=True)
    preferred_language = models.CharField(_("preferred language"), max_length=10, choices=settings.LANGUAGES,
                                          blank=True)

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

    def get_additional_data(self):
        return {"organisation": self.organisation_id}
