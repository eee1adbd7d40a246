"""Forms validate what people type; services decide and write. Every message is translatable."""

import copy

from django import forms
from django.contrib.auth import authenticate
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cases import phones
from cases.choices import (
    HOST_COUNTRIES,
    LANGUAGES_SPOKEN,
    AlertState,
    CaseStatus,
    HouseholdRelationship,
    IncidentCategory,
    InterventionKind,
    RemedyRemaining,
    RiskLevel,
    UnhcrStatus,
)
from cases.models import Case, IdentityDocument, Incident, LegalStatus, Person, Relative
from cases.models.people import NAME_FIELDS
from cases.selectors import CASE_SORTS

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class VersionedFormMixin:
    """Carries the version the form was rendered with, so a stale save can be refused."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        instance = getattr(self, "instance", None)
        if instance is not None and instance.pk:  # only edits of an existing record can go stale
            self.fields["version"] = forms.IntegerField(widget=forms.HiddenInput, initial=instance.version)

    def changes(self):
        return {name: value for name, value in self.cleaned_data.items() if name != "version"}


def _not_in_future(value, message):
    if value and value > timezone.localdate():
        raise forms.ValidationError(message, code="future")
    return value


class CaseForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = Case
        fields = [
            "host_country", "host_city", "unhcr_status", "unhcr_number", "unhcr_registration_date", "sensitivity",
        ]
        widgets = {"unhcr_registration_date": DATE_INPUT}

    def clean_unhcr_registration_date(self):
        return _not_in_future(
            self.cleaned_data.get("unhcr_registration_date"), _("The registration date cannot be in the future."),
        )

    def clean(self):
        cleaned = super().clean()
        status = cleaned.get("unhcr_status")
        if status in {UnhcrStatus.REGISTERED, UnhcrStatus.RECOGNISED} and not cleaned.get("unhcr_number"):
            self.add_error("unhcr_number", _("A registered or recognised person has a UNHCR number; enter it."))
        return cleaned


class CaseOpenForm(CaseForm):
    opened_on = forms.DateField(label=_("Opened on"), widget=DATE_INPUT)

    class Meta(CaseForm.Meta):
        fields = ["host_country", "host_city", "opened_on", *CaseForm.Meta.fields[2:]]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["opened_on"].initial = timezone.localdate

    def clean_opened_on(self):
        return _not_in_future(self.cleaned_data.get("opened_on"), _("A case cannot be opened in the future."))


class PersonForm(VersionedFormMixin, forms.ModelForm):
    """A principal applicant or household member. `region` reads local phone numbers."""

    languages = forms.MultipleChoiceField(
        label=_("Languages"), choices=LANGUAGES_SPOKEN, required=False, widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = Person
        fields = [
            "relationship", *NAME_FIELDS, "date_of_birth", "date_of_birth_precision", "place_of_birth", "sex",
            "languages", "safe_contact_method", "contact_notes", "address",
        ]
        widgets = {"date_of_birth": DATE_INPUT, "address": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args, region=None, with_phone=False, principal=False, **kwargs):
        super().__init__(*args, **kwargs)
        if principal:
            del self.fields["relationship"]
        else:
            self.fields["relationship"].choices = [
                c for c in self.fields["relationship"].choices if c[0] != HouseholdRelationship.PRINCIPAL
            ]
        if with_phone:
            self.fields["phone"] = phones.PhoneNumberFormField(label=_("Phone number"), required=False, region=region)
        for name in NAME_FIELDS:
            if name.endswith("_ug_arab"):
                self.fields[name].widget.attrs.update({"dir": "rtl", "lang": "ug"})
            elif name.endswith(("_ug_latn", "_pinyin")):
                self.fields[name].widget.attrs.update({"dir": "ltr"})

    def clean_date_of_birth(self):
        return _not_in_future(self.cleaned_data.get("date_of_birth"), _("The date of birth cannot be in the future."))

    def clean(self):
        cleaned = super().clean()
        if not any(cleaned.get(name) for name in NAME_FIELDS):
            raise forms.ValidationError(_("Enter at least one name part in one script."), code="no_name")
        return cleaned

    def person_data(self):
        return {k: v for k, v in self.cleaned_data.items() if k not in {"version", "phone"}}


class PhoneForm(forms.Form):
    number = phones.PhoneNumberFormField(label=_("Phone number"))
    label = forms.CharField(label=_("Label"), max_length=60, required=False)
    is_safe = forms.BooleanField(label=_("Safe to call"), required=False, initial=True)

    def __init__(self, *args, region=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["number"].region = region


class CasePersonChoiceMixin:
    """Offer only the people of this case."""

    def __init__(self, *args, case, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"] = forms.ModelChoiceField(
            label=_("Person"), queryset=case.people.all(), empty_label=None,
        )
        self.fields["person"].label_from_instance = lambda p: p.display_name or _("(no name recorded)")
        self.order_fields(["person"])


class DocumentForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = IdentityDocument
        fields = ["document_type", "number", "issuing_country", "issued_on", "expires_on", "name_as_printed"]
        widgets = {"issued_on": DATE_INPUT, "expires_on": DATE_INPUT}

    def clean_issued_on(self):
        return _not_in_future(self.cleaned_data.get("issued_on"), _("The issue date cannot be in the future."))

    def clean(self):
        cleaned = super().clean()
        issued, expires = cleaned.get("issued_on"), cleaned.get("expires_on")
        if issued and expires and expires < issued:
            self.add_error("expires_on", _("The expiry date must be on or after the issue date."))
        return cleaned


class NewDocumentForm(CasePersonChoiceMixin, DocumentForm):
    pass


class LegalStatusForm(CasePersonChoiceMixin, forms.ModelForm):
    class Meta:
        model = LegalStatus
        fields = ["permit_type", "valid_from", "valid_until", "notes"]
        widgets = {"valid_from": DATE_INPUT, "valid_until": DATE_INPUT}

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("valid_from"), cleaned.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("The end date must be on or after the start date."))
        return cleaned


class RelativeForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = Relative
        fields = ["relationship", "name", "status", "status_since", "last_contact_on", "source", "notes"]
        widgets = {
            "status_since": DATE_INPUT, "last_contact_on": DATE_INPUT, "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def clean_last_contact_on(self):
        return _not_in_future(
            self.cleaned_data.get("last_contact_on"), _("The last contact cannot be in the future."),
        )


class IncidentForm(VersionedFormMixin, forms.ModelForm):
    class Meta:
        model = Incident
        fields = [
            "category", "occurred_on", "occurred_on_precision", "place", "description", "source", "country",
            "domestic_remedy_remaining",
        ]
        widgets = {"occurred_on": DATE_INPUT, "description": forms.Textarea(attrs={"rows": 4})}

    def clean(self):
        cleaned = super().clean()
        # Planned travel is the one event recorded ahead of time: the risk lies in the trip to come.
        if cleaned.get("category") != IncidentCategory.PLANNED_TRAVEL and cleaned.get("occurred_on"):
            try:
                _not_in_future(cleaned["occurred_on"], _("An incident cannot be dated in the future."))
            except forms.ValidationError as error:
                self.add_error("occurred_on", error)
        if cleaned.get("category") == IncidentCategory.EXTRADITION_APPROVED and not cleaned.get(
            "domestic_remedy_remaining",
        ):
            cleaned["domestic_remedy_remaining"] = RemedyRemaining.UNKNOWN
        return cleaned


class NoteForm(forms.Form):
    text = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 4}), max_length=20000)


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File"), help_text=_("PDF, PNG or JPEG. Image metadata is removed on upload."))
    description = forms.CharField(label=_("Description"), max_length=300, required=False)


class StatusChangeForm(forms.Form):
    to_status = forms.ChoiceField(label=_("New status"))
    reason = forms.CharField(label=_("Reason"), max_length=300)
    effective_on = forms.DateField(label=_("Effective on"), widget=DATE_INPUT, initial=timezone.localdate)
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args, allowed_statuses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_status"].choices = [(s.value, s.label) for s in CaseStatus if s in allowed_statuses]

    def clean_effective_on(self):
        return _not_in_future(
            self.cleaned_data.get("effective_on"), _("A status change cannot take effect in the future."),
        )


class AssignForm(forms.Form):
    assignee = forms.ModelChoiceField(label=_("Caseworker"), queryset=None)

    def __init__(self, *args, candidates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = candidates


class PasswordConfirmationForm(forms.Form):
    """A sensitive action (sharing a case, exporting a caseload, changing an account) asks for
    the actor's password again: a session left open on a shared computer must not be enough.

    Combine with another form class (`ShareForm(PasswordConfirmationForm)`, or after a model form
    in the admin). The check goes through `authenticate`, so wrong passwords count toward the
    login lockout (django-axes), but with an empty POST: axes stores the body of every failure,
    and the rest of this form (a share's purpose, an account's fields) must not land there. The
    password is never shown again or kept.
    """

    request = None  # given as a keyword, or set on a per-request subclass (the admin)
    current_password = forms.CharField(
        label=_("Your password, to confirm"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request or self.request
        self.fields["current_password"] = self.fields.pop("current_password")  # last, before the button

    def clean_current_password(self):
        probe = copy.copy(self.request)
        probe.POST = QueryDict()
        user = self.request.user
        if authenticate(probe, username=user.get_username(), password=self.cleaned_data.get("current_password", "")):
            return ""
        if getattr(probe, "axes_locked_out", False):
            raise forms.ValidationError(
                _("Too many wrong passwords: confirming is paused for a while. Nothing has been changed."),
                code="locked_out",
            )
        raise forms.ValidationError(_("That is not your password. Nothing has been changed."), code="wrong_password")


class ExportForm(PasswordConfirmationForm):
    """Downloading a caseload asks for the password again; the filters travel in the URL."""


class ShareForm(PasswordConfirmationForm):
    organisation = forms.ModelChoiceField(label=_("Share with"), queryset=None)
    purpose = forms.CharField(label=_("Purpose of sharing"), max_length=300)

    def __init__(self, *args, recipients, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organisation"].queryset = recipients


class CaseFilterForm(forms.Form):
    """Filters that may appear in the URL: none of them carries personal data (search does not)."""

    country = forms.ChoiceField(label=_("Country"), required=False)
    status = forms.ChoiceField(label=_("Status"), required=False)
    unhcr_status = forms.ChoiceField(label=_("UNHCR status"), required=False)
    risk = forms.ChoiceField(label=_("Refoulement risk"), required=False)
    mine = forms.BooleanField(label=_("Assigned to me"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False)
    per_page = forms.TypedChoiceField(
        label=_("Per page"), choices=[(25, "25"), (50, "50"), (100, "100")], coerce=int, required=False,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        every = [("", _("All"))]
        self.fields["country"].choices = every + list(HOST_COUNTRIES)
        self.fields["status"].choices = every + list(CaseStatus.choices)
        self.fields["unhcr_status"].choices = every + list(UnhcrStatus.choices)
        self.fields["risk"].choices = every + list(RiskLevel.choices)
        sort_labels = {
            "recent": _("Recently updated"), "reference": _("Reference"), "opened": _("Newest first"),
            "country": _("Country"), "status": _("Status"), "risk": _("Highest risk first"),
        }
        self.fields["sort"].choices = [(key, sort_labels[key]) for key in CASE_SORTS]


class CaseSearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"), max_length=200, required=False,
        help_text=_("A name in any script, a case reference, a document number or a phone number."),
    )


class AuditFilterForm(forms.Form):
    action = forms.TypedChoiceField(label=_("Action"), required=False, coerce=int, empty_value=None)
    model = forms.ChoiceField(label=_("Record type"), required=False)
    actor = forms.CharField(label=_("User name"), required=False, max_length=150)
    # A context of their own: auditlog's change table uses the bare "From"/"To" for old and new values.
    date_from = forms.DateField(label=pgettext_lazy("date range", "From"), required=False, widget=DATE_INPUT)
    date_to = forms.DateField(label=pgettext_lazy("date range", "To"), required=False, widget=DATE_INPUT)

    def __init__(self, *args, **kwargs):
        from auditlog.models import LogEntry

        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [("", _("All"))] + list(LogEntry.Action.choices)
        record_types = [
            ("case", _("Case")), ("person", _("Person")), ("identitydocument", _("Identity document")),
            ("relative", _("Relative in China")), ("incident", _("Incident")), ("note", _("Note")),
            ("attachment", _("Attachment")), ("caseassignment", _("Assignment")), ("caseshare", _("Share")),
            ("user", _("User")),
        ]
        self.fields["model"].choices = [("", _("All"))] + record_types


# --- Refoulement alerts ---------------------------------------------------------------------------

class AlertFilterForm(forms.Form):
    country = forms.ChoiceField(label=_("Host country"), required=False)
    state = forms.ChoiceField(label=_("State"), required=False)

    def __init__(self, *args, countries, **kwargs):
        super().__init__(*args, **kwargs)
        names = dict(HOST_COUNTRIES)
        self.fields["country"].choices = [("", _("All covered countries"))] + [
            (code, names.get(code, code)) for code in countries
        ]
        self.fields["state"].choices = [
            ("open", _("Open (new, acknowledged, in progress)")), ("all", _("All")),
            *[(state.value, state.label) for state in AlertState],
        ]


class InterventionForm(forms.Form):
    kind = forms.ChoiceField(label=_("What was done"), choices=InterventionKind.choices)
    done_at = forms.DateTimeField(
        label=_("When (UTC)"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    note = forms.CharField(
        label=_("Details"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Who was contacted, reference numbers, what they answered."),
    )


class AlertCloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=[(AlertState.RESOLVED.value, _("Resolved: the person is safe for now")),
                                     (AlertState.FALSE_ALARM.value, _("False alarm"))],
        widget=forms.RadioSelect,
    )
    note = forms.CharField(label=_("What happened"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}))


# --- Retention and erasure -----------------------------------------------------------------------

class LegalHoldForm(forms.Form):
    reason = forms.CharField(
        label=_("Why the file must be preserved"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example the proceedings, inquiry or complaint the file is needed for."),
    )


class LegalHoldLiftForm(forms.Form):
    reason = forms.CharField(label=_("Why the hold ends"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))


class RetentionKeepForm(forms.Form):
    keep_for = forms.TypedChoiceField(label=_("Keep the file for"), coerce=int, choices=())
    reason = forms.CharField(
        label=_("Why the file is still needed"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example a pending appeal, a resettlement procedure, or a request from the client."),
    )

    def __init__(self, *args, **kwargs):
        from cases.retention import KEEP_OPTIONS

        super().__init__(*args, **kwargs)
        self.fields["keep_for"].choices = KEEP_OPTIONS


class ErasureForm(PasswordConfirmationForm):
    """Erasing a case asks for the case reference typed out and the password again."""

    reason = forms.ChoiceField(label=_("Why the case is erased"), choices=())
    request_received_on = forms.DateField(
        label=_("Request received on"), widget=DATE_INPUT, required=False,
        help_text=_("When the client asked for erasure (required for a client's request)."),
    )
    confirm_reference = forms.CharField(label=_("Type the case reference to confirm"), max_length=20)

    def __init__(self, *args, case, by_review=False, **kwargs):
        from cases.models.retention import ErasureReason

        super().__init__(*args, **kwargs)
        self.case = case
        if by_review:
            del self.fields["reason"]
            del self.fields["request_received_on"]
        else:
            self.fields["reason"].choices = [
                (choice.value, choice.label) for choice in ErasureReason if choice != ErasureReason.RETENTION_REVIEW
            ]

    def clean_request_received_on(self):
        return _not_in_future(self.cleaned_data.get("request_received_on"), _("A request cannot come from the future."))

    def clean_confirm_reference(self):
        typed = self.cleaned_data.get("confirm_reference", "").strip().upper()
        if typed != self.case.reference.upper():
            raise forms.ValidationError(_("That is not this case's reference. Nothing has been erased."),
                                        code="wrong_reference")
        return typed

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("reason") == "client_request" and not cleaned.get("request_received_on"):
            self.add_error("request_received_on", _("Enter the date the client asked for erasure."))
        return cleaned
