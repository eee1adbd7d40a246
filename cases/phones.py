"""The only module that imports phonenumbers: parse, validate and format phone numbers."""

import phonenumbers
from django import forms
from django.utils.translation import gettext_lazy as _


def to_e164(raw, region=None):
    """Return `raw` as E.164, reading it in `region` when it has no +country prefix.

    Raise ValueError when it is not a possible, valid number.
    """
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as error:
        raise ValueError(str(error)) from error
    if not phonenumbers.is_valid_number(parsed):
        raise ValueError("invalid number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def search_candidates(raw, regions=()):
    """Every E.164 number `raw` could mean: as typed with +prefix, or local to one of `regions`."""
    if sum(ch.isdigit() for ch in raw) < 7:
        return []
    candidates = set()
    for region in [None, *regions]:
        try:
            candidates.add(to_e164(raw, region))
        except ValueError:
            continue
    return sorted(candidates)


def display(e164, host_country):
    """National format when the number belongs to the host country, international otherwise."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if phonenumbers.region_code_for_number(parsed) == host_country:
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


class PhoneNumberFormField(forms.CharField):
    """A form field that cleans to E.164; numbers without +prefix are read in `region`."""

    default_error_messages = {
        "invalid_phone": _(
            "Enter a valid phone number, for example +7 701 234 5678, or a local number of the host country."
        ),
    }

    def __init__(self, *args, region=None, **kwargs):
        self.region = region
        kwargs.setdefault("max_length", 32)
        super().__init__(*args, **kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return value
        try:
            return to_e164(value, self.region)
        except ValueError as error:
            raise forms.ValidationError(self.error_messages["invalid_phone"], code="invalid_phone") from error
