from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from reports.models import RECIPIENTS_BY_KIND, DocumentKind, RecipientKind


class VerifyForm(forms.Form):
    code = forms.CharField(label=_("Verification code"), max_length=40,
                           help_text=_("As printed on the document's cover, for example K7QM-2XPA-9FHT."))


class DocumentRequestForm(forms.Form):
    # The alert sheet is requested from its alert's page.
    kind = forms.ChoiceField(label=pgettext_lazy("generated document", "Document"), choices=[
        (DocumentKind.CASE_SUMMARY.value, DocumentKind.CASE_SUMMARY.label),
        (DocumentKind.REFERRAL_FORM.value, DocumentKind.REFERRAL_FORM.label),
    ])
    referral = forms.TypedChoiceField(label=_("Referral (for a referral form)"), coerce=int, required=False,
                                      empty_value=None)
    language = forms.ChoiceField(label=_("Language of the document"), choices=settings.LANGUAGES)
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
