"""The audit trail as an auditor reads it (cases.audit.readable_entries): the model's own fields,
in the reader's language, redactions kept, deleted records and models named without English."""

import re

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import translation

from cases import audit
from cases.models import Case, Person
from reports.services import filings


def entries_for(model, *, action, **filters):
    return LogEntry.objects.filter(content_type__model=model, action=action, **filters)


def read_in(language, entries):
    """The trail's rows with every lazy label turned into text in `language`."""
    with translation.override(language):
        return [(entry, str(record), str(identifier), [(str(label), str(before), str(after), data)
                                                      for label, before, after, data in changes])
                for entry, record, identifier, changes in audit.readable_entries(entries)]


def test_a_case_creation_lists_its_own_fields_in_russian(cast, own_case):
    [(_entry, record, identifier, rows)] = read_in("ru", entries_for(
        "case", action=LogEntry.Action.CREATE, object_pk=str(own_case.pk)))
    labels = [label for label, *_rest in rows]
    with translation.override("ru"):
        expected = {str(Case._meta.get_field(name).verbose_name) for name in ("host_country", "host_city", "status")}
    assert expected <= set(labels)
    assert not {"notes", "people", "referrals", "alerts", "ID", "id"} & set(labels)  # no reverse relations, no key
    assert all(re.search("[а-яё]", label) for label in labels), labels
    assert (record, identifier) == ("дело", own_case.reference)
    values = [value for _label, before, after, _data in rows for value in (before, after)]
    assert not any("cases." in value or value in ("None", "True", "False") for value in values), values
    assert "Казахстан" in values  # the host country's choice label, in Russian


def test_masked_fields_keep_the_translated_redaction_mark_even_for_choices(cast, own_case):
    principal = own_case.people.get()
    need = filings.need_add(actor=cast.caseworker, case=own_case, person=principal, category="torture_survivor",
                            description="Fictional.")
    [(_entry, record, identifier, rows)] = read_in("ru", entries_for(
        "specificneed", action=LogEntry.Action.CREATE, object_pk=str(need.pk)))
    by_label = {label: after for label, _before, after, _data in rows}
    with translation.override("ru"):
        category, description = (str(need._meta.get_field(name).verbose_name) for name in ("category", "description"))
    assert by_label[category] == "[скрыто]" and by_label[description] == "[скрыто]"
    assert identifier == f"#{need.pk}" and record != "specific need"
    # The person it belongs to is named by model and number, never by the name.
    with translation.override("ru"):
        person_label = str(Person._meta.verbose_name)
    assert f"{person_label} #{principal.pk}" in by_label.values()


def test_records_of_a_deleted_case_and_of_a_removed_model_read_without_english(cast, case_factory):
    case = case_factory(cast.caseworker)
    person_entry = entries_for("person", action=LogEntry.Action.CREATE, object_pk=str(case.people.get().pk)).get()
    case_pk = case.pk
    Case.objects.filter(pk=case_pk).delete()
    gone = ContentType.objects.create(app_label="retired", model="oldthing")
    old = LogEntry.objects.create(content_type=gone, object_pk="5", object_repr="Fictional Stored Name",
                                  action=LogEntry.Action.UPDATE, changes={"x": ["a", "b"]})
    rows = {entry.pk: rest for entry, *rest in read_in("ug", [person_entry, old])}
    _record, _identifier, person_rows = rows[person_entry.pk]
    case_cells = [after for _label, _before, after, _data in person_rows if f"#{case_pk}" in after]
    assert case_cells and all("Deleted" not in cell and re.search("[\u0600-\u06ff]", cell) for cell in case_cells)
    record, identifier, changes = rows[old.pk]
    assert identifier == "#5" and "Fictional" not in record + identifier and changes == []
    assert re.search("[\u0600-\u06ff]", record)


def test_the_audit_page_shows_the_readable_trail(cast, own_case, logged_in):
    client = logged_in(cast.auditor)
    client.cookies["django_language"] = "ru"
    html = client.get(reverse("cases:audit")).content.decode()
    assert own_case.reference in html and "[скрыто]" in html
    assert "cases.Note.None" not in html and "[redacted]" not in html and "Deleted '" not in html
