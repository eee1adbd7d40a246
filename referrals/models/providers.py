from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.choices import HOST_COUNTRIES, LANGUAGES_SPOKEN
from cases.models import Organisation
from referrals.choices import Capacity, ContactChannel, ServiceType, UyghurExperience


class ServiceProvider(models.Model):
    """One service of an organisation in the referral directory (an organisation may list several).

    Services, areas and languages are rows of their own, not JSON lists, so that searching the
    directory by any of them is an indexed join on SQLite and PostgreSQL alike.
    """

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="service_providers", verbose_name=_("organisation"),
    )
    name = models.CharField(_("service name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    uyghur_experience = models.CharField(
        _("experience with Uyghur clients"), max_length=12, choices=UyghurExperience.choices,
        default=UyghurExperience.NONE,
    )
    capacity = models.CharField(_("capacity"), max_length=12, choices=Capacity.choices, default=Capacity.ACCEPTING)
    capacity_updated_at = models.DateTimeField(_("capacity updated at"), null=True, blank=True)
    contact_channel = models.CharField(
        _("contact channel"), max_length=16, choices=ContactChannel.choices, default=ContactChannel.PLATFORM,
    )
    contact_details = models.CharField(
        _("contact details for referrers"), max_length=300, blank=True,
        help_text=_("The organisation's own contact point, never a client's."),
    )
    is_active = models.BooleanField(_("listed in the directory"), default=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    class Meta:
        verbose_name = _("service provider")
        verbose_name_plural = _("service providers")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="provider_name_unique_in_organisation"),
        ]

    def __str__(self):
        return self.name

    def get_additional_data(self):
        return {"organisation": self.organisation_id}


class ProviderService(models.Model):
    provider = models.ForeignKey(ServiceProvider, verbose_name=_("service provider"), on_delete=models.CASCADE,
                                 related_name="services")
    service_type = models.CharField(_("service"), max_length=24, choices=ServiceType.choices)

    class Meta:
        verbose_name = _("service offered")
        verbose_name_plural = _("services offered")
        constraints = [
            models.UniqueConstraint(fields=["provider", "service_type"], name="provider_service_unique"),
        ]
        indexes = [models.Index(fields=["service_type", "provider"])]

    def __str__(self):
        return self.get_service_type_display()

    def get_additional_data(self):
        return {"organisation": self.provider.organisation_id}


class ProviderArea(models.Model):
    """A country (and optionally a city in it) the provider serves; no city means the whole country."""

    provider = models.ForeignKey(ServiceProvider, verbose_name=_("service provider"), on_delete=models.CASCADE,
                                 related_name="areas")
    country = models.CharField(_("country"), max_length=2, choices=HOST_COUNTRIES)
    city = models.CharField(_("city"), max_length=120, blank=True)

    class Meta:
        verbose_name = _("area served")
        verbose_name_plural = _("areas served")
        constraints = [
            models.UniqueConstraint(fields=["provider", "country", "city"], name="provider_area_unique"),
        ]
        indexes = [models.Index(fields=["country", "provider"])]

    def __str__(self):
        return f"{self.country} {self.city}".strip()

    def get_additional_data(self):
        return {"organisation": self.provider.organisation_id}


class ProviderLanguage(models.Model):
    provider = models.ForeignKey(ServiceProvider, verbose_name=_("service provider"), on_delete=models.CASCADE,
                                 related_name="languages")
    language = models.CharField(_("language"), max_length=8, choices=LANGUAGES_SPOKEN)

    class Meta:
        verbose_name = _("language spoken")
        verbose_name_plural = _("languages spoken")
        constraints = [
            models.UniqueConstraint(fields=["provider", "language"], name="provider_language_unique"),
        ]
        indexes = [models.Index(fields=["language", "provider"])]

    def __str__(self):
        return self.get_language_display()

    def get_additional_data(self):
        return {"organisation": self.provider.organisation_id}
