"""Refoulement risk: sourced country facts, the assessments the rules produce, and the rule-set history."""

from django.db import models
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from cases.choices import (
    HOST_COUNTRIES,
    AssessmentReason,
    ExtraditionTreaty,
    RefugeeConvention,
    ReturnKind,
    RiskLevel,
    UnhcrAccess,
    YesNoUnknown,
)
from cases.models.base import VersionedModel
from cases.models.cases import Case

# Each country fact is a value with the date it was true and the source that says so; an
# unsourced fact cannot be told apart from a guess, and the rules weigh these facts.
COUNTRY_FACTS = [
    ("extradition_treaty", _("extradition treaty with China"), ExtraditionTreaty),
    ("sco_member", _("member of the Shanghai Cooperation Organisation"), YesNoUnknown),
    ("refugee_convention", _("1951 Refugee Convention or its Protocol"), RefugeeConvention),
    ("cat_party", _("party to the Convention against Torture"), YesNoUnknown),
    ("unhcr_access", _("UNHCR presence and access"), UnhcrAccess),
    ("asylum_exclusion", _("Uyghurs excluded from the national asylum or screening process"), YesNoUnknown),
    ("prc_officials_at_arrests", _("Chinese officials documented at arrests or transfers"), YesNoUnknown),
    ("chain_refoulement", _("documented onward transfer to China through a third state"), YesNoUnknown),
]
COUNTRY_FACT_NAMES = [name for name, _label, _choices in COUNTRY_FACTS]


class CountryProfile(VersionedModel):
    """What is documented about a host country that bears on the risk of return to China."""

    country = models.CharField(_("country"), max_length=2, choices=HOST_COUNTRIES, unique=True)
    # <fact>, <fact>_as_of, <fact>_source for each entry of COUNTRY_FACTS: added below the class.
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("country profile")
        verbose_name_plural = _("country profiles")
        ordering = ["country"]

    def __str__(self):
        return str(self.get_country_display())


for _name, _label, _choices in COUNTRY_FACTS:
    CountryProfile.add_to_class(
        _name, models.CharField(_label, max_length=32, choices=_choices.choices, default=_choices.UNKNOWN),
    )
    CountryProfile.add_to_class(
        f"{_name}_as_of", models.DateField(format_lazy("{} ({})", _label, _("as of")), null=True, blank=True),
    )
    CountryProfile.add_to_class(
        f"{_name}_source", models.URLField(format_lazy("{} ({})", _label, _("source")), max_length=500, blank=True),
    )


class CountryReturn(models.Model):
    """A documented deportation, extradition or rendition of Uyghurs from the country to China."""

    profile = models.ForeignKey(CountryProfile, verbose_name=_("country profile"), on_delete=models.CASCADE,
                                related_name="returns")
    year = models.PositiveSmallIntegerField(_("year"))
    count = models.PositiveIntegerField(_("people returned"), null=True, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=ReturnKind.choices, default=ReturnKind.DEPORTATION)
    description = models.CharField(_("description"), max_length=300, blank=True)
    source = models.URLField(_("source"), max_length=500)

    class Meta:
        verbose_name = _("documented return to China")
        verbose_name_plural = _("documented returns to China")
        ordering = ["profile", "-year"]

    def __str__(self):
        return f"{self.profile.country} {self.year}"


class RiskRuleSet(models.Model):
    """A version of the rules in `cases/risk/rules.py`, recorded the first time it runs.

    The rules are code, reviewed like code; this table is their audit trail in the product: when
    each version took effect and exactly what it said, so any assessment can be traced to the
    rules that produced it.
    """

    fingerprint = models.CharField(_("fingerprint"), max_length=64, unique=True)
    specification = models.JSONField(_("specification"))
    first_used_at = models.DateTimeField(_("first used"), auto_now_add=True)

    class Meta:
        verbose_name = _("risk rule set")
        verbose_name_plural = _("risk rule sets")
        ordering = ["-first_used_at"]

    def __str__(self):
        return self.fingerprint[:12]


class RiskAssessment(models.Model):
    """One evaluation of a case, kept as history. A new row is written only when the outcome changes."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="risk_assessments")
    level = models.CharField(_("level"), max_length=10, choices=RiskLevel.choices)
    previous_level = models.CharField(_("previous level"), max_length=10, choices=RiskLevel.choices, blank=True)
    score = models.DecimalField(_("score"), max_digits=5, decimal_places=1)
    country_score = models.DecimalField(_("country score"), max_digits=5, decimal_places=1)
    # Fired rules with their evidence, score breakdown, missing data, actions: codes and record
    # ids, never text, so the explanation renders in each reader's language.
    explanation = models.JSONField(_("explanation"))
    digest = models.CharField(max_length=64)
    # No index: every row of a run points at the same rule set, and nothing looks rows up by it.
    rule_set = models.ForeignKey(RiskRuleSet, on_delete=models.PROTECT, related_name="+", db_index=False)
    reason = models.CharField(_("reason"), max_length=20, choices=AssessmentReason.choices)
    assessed_on = models.DateField(_("assessed as of"))
    computed_at = models.DateTimeField(_("computed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("risk assessment")
        verbose_name_plural = _("risk assessments")
        # A case's history is a handful of rows found through the case_id index; a second index
        # on (case, computed_at) would only slow the 100,000-row daily inserts.
        ordering = ["case", "-computed_at", "-pk"]

    def __str__(self):
        return f"{self.case_id}: {self.level}"
