"""Forms validate what people type; services decide and write. Every message is translatable."""

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cases.choices import HOST_COUNTRIES, LANGUAGES_SPOKEN
from cases.forms import DATE_INPUT
from cases.models import Attachment, Organisation
from referrals.choices import (
    SERVICE_PURPOSE,
    Capacity,
    ConsentMethod,
    DataCategory,
    DeclineReason,
    OverrideReview,
    Purpose,
    ReferralOutcome,
    ReferralPriority,
    ServiceType,
)
from referrals.permissions import PROVIDER_ORGANISATION_KINDS

NOTE = forms.Textarea(attrs={"rows": 3})
MAX_TEXT = 8000


def _person_choices(people):
    return [(person.pk, f"{person.display_name or '—'} · {person.get_relationship_display()}") for person in people]


class AttachmentChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, attachment):
        return f"{attachment.original_name} · {attachment.created_at:%Y-%m-%d}"


class ConsentForm(forms.Form):
    person = forms.TypedChoiceField(label=_("Client"), coerce=int)
    recipient = forms.ModelChoiceField(label=_("Recipient organisation"), queryset=Organisation.objects.none())
    purpose = forms.ChoiceField(label=_("Purpose"), choices=Purpose.choices)
    data_categories = forms.MultipleChoiceField(
        label=_("Data the client agreed to share"), choices=DataCategory.choices, widget=forms.CheckboxSelectMultiple,
        help_text=_("Only what the client agreed to, after hearing what each item means."),
    )
    obtained_on = forms.DateField(label=_("Consent given on"), widget=DATE_INPUT, initial=timezone.localdate)
    method = forms.ChoiceField(label=_("How consent was given"), choices=ConsentMethod.choices)
    language = forms.ChoiceField(label=_("Language of the consent conversation"), choices=LANGUAGES_SPOKEN)
    interpreter = forms.CharField(
        label=_("Interpreter"), max_length=200, required=False,
        help_text=_("Who interpreted, if anyone: interpreters hear the data too."),
    )
    fears_reprisal = forms.BooleanField(label=_("The client fears reprisals against relatives"), required=False)
    notes = forms.CharField(label=_("Notes"), max_length=MAX_TEXT, required=False, widget=NOTE)
    valid_until = forms.DateField(label=_("Valid until"), widget=DATE_INPUT, required=False)
    signed_form = AttachmentChoiceField(
        label=_("Signed consent form"), queryset=Attachment.objects.none(), required=False,
        help_text=_("Upload the scan under the case's attachments first, then choose it here."),
    )

    def __init__(self, *args, people, attachments=None, **kwargs):
        super().__init__(*args, **kwargs)
        if attachments is not None:
            self.fields["signed_form"].queryset = attachments
        self.fields["person"].choices = _person_choices(people)
        self.fields["recipient"].queryset = Organisation.objects.filter(
            kind__in=PROVIDER_ORGANISATION_KINDS, service_providers__is_active=True,
        ).distinct().order_by("name")


class ReferralForm(forms.Form):
    person = forms.TypedChoiceField(label=_("Client"), coerce=int)
    provider = forms.TypedChoiceField(label=_("Provider"), coerce=int)
    services_requested = forms.MultipleChoiceField(
        label=_("Services requested"), choices=ServiceType.choices, widget=forms.CheckboxSelectMultiple,
    )
    priority = forms.ChoiceField(label=_("Priority"), choices=ReferralPriority.choices, initial=ReferralPriority.NORMAL)
    reasons = forms.CharField(
        label=_("Reasons for referral"), max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The provider reads this. Write only what the client agreed to share."),
    )
    services_provided = forms.CharField(
        label=_("Services already provided"), max_length=MAX_TEXT, required=False, widget=NOTE,
    )
    data_categories = forms.MultipleChoiceField(
        label=_("Data to share"), choices=DataCategory.choices, widget=forms.CheckboxSelectMultiple, required=False,
        help_text=_("Each item must be covered by the client's consent. With nothing ticked the provider sees the "
                    "referral code only."),
    )

    def __init__(self, *args, people, providers, may_override=False, version=None, **kwargs):
        super().__init__(*args, **kwargs)
        if version is not None:  # editing a draft: a stale save is refused, not applied
            self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput, initial=version)
        self.fields["person"].choices = _person_choices(people)
        self.people = {person.pk: person for person in people}
        self.fields["provider"].choices = [
            (provider.pk, f"{provider.name} · {provider.organisation.name} · {provider.get_capacity_display()}")
            for provider in providers
        ]
        self.providers = {provider.pk: provider for provider in providers}
        if may_override:
            self.fields["override_reason"] = forms.CharField(
                label=_("Emergency: reason for sending without consent"), max_length=MAX_TEXT, required=False,
                widget=NOTE,
                help_text=_("Only to protect the client's life or safety when consent cannot be obtained in time. "
                            "A supervisor reviews every such referral."),
            )

    def clean(self):
        cleaned = super().clean()
        purposes = {SERVICE_PURPOSE[service] for service in cleaned.get("services_requested", [])}
        if len(purposes) > 1:
            self.add_error("services_requested", _("Request services of one type per referral: psychosocial, "
                                                   "legal, medical…; make a second referral for the others."))
        cleaned["purpose"] = purposes.pop() if len(purposes) == 1 else None
        # Records, not ids, so that a stale-edit comparison sees like with like.
        if cleaned.get("provider") is not None:
            cleaned["provider"] = self.providers.get(cleaned["provider"])
        if cleaned.get("person") is not None:
            cleaned["person"] = self.people.get(cleaned["person"])
        return cleaned


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=MAX_TEXT, widget=NOTE)


class OptionalNoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=MAX_TEXT, widget=NOTE, required=False)


class DeclineForm(forms.Form):
    reason = forms.ChoiceField(label=_("Reason for declining"), choices=DeclineReason.choices)
    note = forms.CharField(label=_("Note"), max_length=MAX_TEXT, widget=NOTE, required=False)


class OutcomeForm(forms.Form):
    outcome = forms.ChoiceField(label=_("Outcome"), choices=ReferralOutcome.choices)
    note = forms.CharField(label=_("Note"), max_length=MAX_TEXT, widget=NOTE, required=False)


class OverrideReviewForm(forms.Form):
    review = forms.ChoiceField(label=_("Review"), choices=OverrideReview.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note"), max_length=MAX_TEXT, widget=NOTE, required=False)


class CapacityForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    capacity = forms.ChoiceField(label=_("Capacity"), choices=Capacity.choices)
    contact_details = forms.CharField(label=_("Contact details for referrers"), max_length=300, required=False)


class DirectorySearchForm(forms.Form):
    service = forms.ChoiceField(label=_("Service"), choices=[("", _("Any service")), *ServiceType.choices],
                                required=False)
    country = forms.ChoiceField(label=_("Country"), choices=[("", _("Any country")), *HOST_COUNTRIES], required=False)
    city = forms.CharField(label=_("City"), max_length=120, required=False)
    language = forms.ChoiceField(label=_("Language spoken"), choices=[("", _("Any language")), *LANGUAGES_SPOKEN],
                                 required=False)
    accepting = forms.BooleanField(label=_("Accepting referrals now"), required=False)
    for_case = forms.UUIDField(required=False, widget=forms.HiddenInput)
