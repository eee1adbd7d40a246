from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases.forms import VersionedFormMixin
from cases.models import Person
from config.widgets import LanguageSelect
from reports.models import (
    RECIPIENTS_BY_KIND,
    DocumentKind,
    EligibilityCriterion,
    Exhibit,
    ExhibitSection,
    Filing,
    NeedCategory,
    RecipientKind,
)


class VerifyForm(forms.Form):
    code = forms.CharField(label=_("Verification code"), max_length=40,
                           help_text=_("As printed on the document's cover, for example K7QM-2XPA-9FHT."))


class DocumentRequestForm(forms.Form):
    # The alert sheet is requested from its alert's page.
    kind = forms.ChoiceField(label=pgettext_lazy("generated document", "Document"), choices=[
        (DocumentKind.CASE_SUMMARY.value, DocumentKind.CASE_SUMMARY.label),
        (DocumentKind.REFERRAL_FORM.value, DocumentKind.REFERRAL_FORM.label),
        (DocumentKind.ASYLUM_PACKET.value, DocumentKind.ASYLUM_PACKET.label),
        (DocumentKind.PROTECTED_STATUS.value, DocumentKind.PROTECTED_STATUS.label),
        (DocumentKind.UNHCR_DOSSIER.value, DocumentKind.UNHCR_DOSSIER.label),
    ])
    referral = forms.TypedChoiceField(label=_("Referral (for a referral form)"), coerce=int, required=False,
                                      empty_value=None)
    language = forms.ChoiceField(label=_("Language of the document"), choices=settings.LANGUAGES,
                                 widget=LanguageSelect)
    recipient_kind = forms.ChoiceField(label=_("For"), choices=RecipientKind.choices)
    archival = forms.BooleanField(label=_("Archival PDF (PDF/A-3b)"), required=False)

    def __init__(self, *args, referrals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.referrals = {referral.pk: referral for referral in referrals}
        self.fields["referral"].choices = [("", "—")] + [
            (referral.pk, f"{referral.reference} · {referral.provider}") for referral in referrals
        ]

    def clean(self):
        cleaned = super().clean()
        kind, recipient = cleaned.get("kind"), cleaned.get("recipient_kind")
        if kind and recipient and recipient not in RECIPIENTS_BY_KIND[kind]:
            self.add_error("recipient_kind", _("This document cannot be produced for that recipient."))
        if cleaned.get("kind") == DocumentKind.REFERRAL_FORM and not cleaned.get("referral"):
            self.add_error("referral", _("Choose the referral the form is for."))
        cleaned["referral"] = self.referrals.get(cleaned.get("referral")) if cleaned.get("kind") == \
            DocumentKind.REFERRAL_FORM else None
        return cleaned


class FilingForm(VersionedFormMixin, forms.ModelForm):
    """The declaration and cover details of the case's filings (the packet's own words and choices)."""

    class Meta:
        model = Filing
        fields = [
            "applicant", "declaration_language", "declaration_text", "translation_language", "translation_text",
            "translator_name", "filing_office", "special_issues", "programme", "secondary_category",
        ]
        widgets = {
            "declaration_text": forms.Textarea(attrs={"rows": 12, "dir": "auto"}),
            "translation_text": forms.Textarea(attrs={"rows": 12, "dir": "auto"}),
            "special_issues": forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
        }

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        if "version" not in self.fields:
            # 0: "no materials yet". If someone creates them meanwhile, the save is refused as stale
            # and the form takes in their version, so the next save goes through knowingly.
            self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput, initial=0, required=False)
        self.fields["applicant"].queryset = Person.objects.filter(pk__in=[person.pk for person in people])
        self.fields["applicant"].label_from_instance = lambda person: (
            f"{person.get_relationship_display()} · {person.display_name}"
        )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("translation_text") and not cleaned.get("translator_name"):
            self.add_error("translator_name", _("Name the translator: the translation carries their certificate."))
        if cleaned.get("translation_text") and not cleaned.get("translation_language"):
            self.add_error("translation_language", _("Choose the language of the translation."))
        if cleaned.get("declaration_text") and not cleaned.get("declaration_language"):
            self.add_error("declaration_language", _("Choose the language the applicant used."))
        return cleaned


class ExhibitForm(forms.Form):
    section = forms.ChoiceField(label=_("Section"), choices=ExhibitSection.choices)
    title = forms.CharField(label=_("Title"), max_length=300)
    source = forms.CharField(label=_("Source"), max_length=300, required=False,
                             help_text=Exhibit._meta.get_field("source").help_text)
    supports = forms.MultipleChoiceField(label=_("Supports (protected-status criteria)"), required=False,
                                         choices=EligibilityCriterion.choices, widget=forms.CheckboxSelectMultiple)
    attachment = forms.TypedChoiceField(label=_("One of the case's attachments"), coerce=int, required=False,
                                        empty_value=None)
    upload = forms.FileField(label=_("Or upload a file"), required=False,
                             help_text=_("PDF, PNG or JPEG. Image metadata is removed on upload."))

    def __init__(self, *args, attachments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.attachments = {attachment.pk: attachment for attachment in attachments}
        self.fields["attachment"].choices = [("", "—")] + [
            (attachment.pk, attachment.description or attachment.original_name) for attachment in attachments
        ]

    def clean(self):
        cleaned = super().clean()
        cleaned["attachment"] = self.attachments.get(cleaned.get("attachment"))
        if (cleaned["attachment"] is None) == (not cleaned.get("upload")):
            raise forms.ValidationError(_("Choose one of the case's attachments or upload a file, not both."))
        return cleaned


class NeedForm(forms.Form):
    person = forms.TypedChoiceField(label=_("Person"), coerce=int)
    category = forms.ChoiceField(label=_("Need"), choices=NeedCategory.choices)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3, "dir": "auto"}),
                                  max_length=4000)

    def __init__(self, *args, people=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.people = {person.pk: person for person in people}
        self.fields["person"].choices = [
            (person.pk, f"{person.get_relationship_display()} · {person.display_name}") for person in people
        ]

    def clean_person(self):
        return self.people[self.cleaned_data["person"]]
