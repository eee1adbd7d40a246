"""Adding, editing and removing what is recorded on a case: people, documents, relatives, incidents..."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cases import audit, permissions, selectors
from cases.forms import (
    AttachmentForm,
    DocumentForm,
    IncidentForm,
    LegalStatusForm,
    NewDocumentForm,
    NoteForm,
    PersonForm,
    PhoneForm,
    RelativeForm,
)
from cases.services import people as people_services
from cases.services import records as record_services
from cases.views.case_views import case_url
from cases.views.common import run_form, run_removal

FORM_TEMPLATE = "cases/record_form.html"


def _editable_case(request, public_id):
    # A form page shows part of the case file: its GET is a read and is audited like one (once
    # allowed: a refused request read nothing).
    case = selectors.visible_case(request.user, public_id)
    permissions.require(permissions.can_edit_case(request.user, case))
    if request.method == "GET":
        audit.record_read(case)
    return case


def _form_page(request, case, form, action, title, anchor, saved):
    return run_form(
        request, form=form, action=action, success_url=case_url(case, anchor), template=FORM_TEMPLATE,
        context={"case": case, "title": title}, success_message=saved,
    )


def _remove(request, case, remove, anchor, removed):
    run_removal(request, remove, removed=removed)
    return redirect(case_url(case, anchor))


# --- People ---------------------------------------------------------------------------------------

@login_required
def person_add(request, public_id):
    case = _editable_case(request, public_id)
    form = PersonForm(request.POST or None, prefix="member", with_phone=True, region=case.host_country)
    return _form_page(
        request, case, form,
        lambda f: people_services.person_add(
            actor=request.user, case=case, data=f.person_data(), phone=f.cleaned_data.get("phone", ""),
        ),
        _("Add a household member"), "people", _("Household member added."),
    )


@login_required
def person_edit(request, public_id, person_id):
    case = _editable_case(request, public_id)
    person = selectors.case_person(case, person_id)
    form = PersonForm(request.POST or None, instance=person, principal=person.is_principal)
    return _form_page(
        request, case, form,
        lambda f: people_services.person_update(
            actor=request.user, person=person, expected_version=f.cleaned_data["version"], data=f.person_data(),
        ),
        _("Edit person"), "people", _("Person saved."),
    )


@login_required
@require_POST
def person_remove(request, public_id, person_id):
    case = _editable_case(request, public_id)
    person = selectors.case_person(case, person_id)
    return _remove(
        request, case, lambda: people_services.person_remove(actor=request.user, person=person),
        "people", _("Household member removed."),
    )


@login_required
def phone_add(request, public_id, person_id):
    case = _editable_case(request, public_id)
    person = selectors.case_person(case, person_id)
    form = PhoneForm(request.POST or None, region=case.host_country)
    return _form_page(
        request, case, form,
        lambda f: people_services.phone_add(actor=request.user, person=person, **f.cleaned_data),
        _("Add a phone number"), "people", _("Phone number added."),
    )


@login_required
@require_POST
def phone_remove(request, public_id, phone_id):
    case = _editable_case(request, public_id)
    phone = selectors.person_record(case, "phones", phone_id)
    return _remove(
        request, case, lambda: people_services.phone_remove(actor=request.user, phone=phone),
        "people", _("Phone number removed."),
    )


# --- Documents and legal status ------------------------------------------------------------------

@login_required
def document_add(request, public_id):
    case = _editable_case(request, public_id)
    form = NewDocumentForm(request.POST or None, case=case, prefix="document")

    def add(f):
        data = f.changes()
        person = data.pop("person")
        people_services.document_add(actor=request.user, person=person, data=data)

    return _form_page(request, case, form, add, _("Add an identity document"), "documents", _("Document added."))


@login_required
def document_edit(request, public_id, document_id):
    case = _editable_case(request, public_id)
    document = selectors.person_record(case, "documents", document_id)
    form = DocumentForm(request.POST or None, instance=document)
    return _form_page(
        request, case, form,
        lambda f: people_services.document_update(
            actor=request.user, document=document, expected_version=f.cleaned_data["version"], data=f.changes(),
        ),
        _("Edit identity document"), "documents", _("Document saved."),
    )


@login_required
@require_POST
def document_remove(request, public_id, document_id):
    case = _editable_case(request, public_id)
    document = selectors.person_record(case, "documents", document_id)
    return _remove(
        request, case, lambda: people_services.document_remove(actor=request.user, document=document),
        "documents", _("Document removed."),
    )


@login_required
def legal_status_add(request, public_id):
    case = _editable_case(request, public_id)
    form = LegalStatusForm(request.POST or None, case=case)

    def add(f):
        data = dict(f.cleaned_data)
        person = data.pop("person")
        people_services.legal_status_add(actor=request.user, person=person, data=data)

    return _form_page(request, case, form, add, _("Add a legal status"), "documents", _("Legal status added."))


@login_required
@require_POST
def legal_status_remove(request, public_id, legal_status_id):
    case = _editable_case(request, public_id)
    legal_status = selectors.person_record(case, "legal_statuses", legal_status_id)
    return _remove(
        request, case,
        lambda: people_services.legal_status_remove(actor=request.user, legal_status=legal_status),
        "documents", _("Legal status removed."),
    )


# --- Relatives and incidents ------------------------------------------------------------------------

@login_required
def relative_add(request, public_id):
    case = _editable_case(request, public_id)
    form = RelativeForm(request.POST or None, prefix="relative")
    return _form_page(
        request, case, form,
        lambda f: record_services.relative_add(actor=request.user, case=case, data=f.changes()),
        _("Add a relative in China"), "relatives", _("Relative added."),
    )


@login_required
def relative_edit(request, public_id, relative_id):
    case = _editable_case(request, public_id)
    relative = selectors.case_record(case, "relatives", relative_id)
    form = RelativeForm(request.POST or None, instance=relative)
    return _form_page(
        request, case, form,
        lambda f: record_services.relative_update(
            actor=request.user, relative=relative, expected_version=f.cleaned_data["version"], data=f.changes(),
        ),
        _("Edit relative in China"), "relatives", _("Relative saved."),
    )


@login_required
@require_POST
def relative_remove(request, public_id, relative_id):
    case = _editable_case(request, public_id)
    relative = selectors.case_record(case, "relatives", relative_id)
    return _remove(
        request, case, lambda: record_services.relative_remove(actor=request.user, relative=relative),
        "relatives", _("Relative removed."),
    )


@login_required
def incident_add(request, public_id):
    case = _editable_case(request, public_id)
    form = IncidentForm(request.POST or None, prefix="incident")
    return _form_page(
        request, case, form,
        lambda f: record_services.incident_add(actor=request.user, case=case, data=f.changes()),
        _("Add an incident"), "timeline", _("Incident added."),
    )


@login_required
def incident_edit(request, public_id, incident_id):
    case = _editable_case(request, public_id)
    incident = selectors.case_record(case, "incidents", incident_id)
    form = IncidentForm(request.POST or None, instance=incident)
    return _form_page(
        request, case, form,
        lambda f: record_services.incident_update(
            actor=request.user, incident=incident, expected_version=f.cleaned_data["version"], data=f.changes(),
        ),
        _("Edit incident"), "timeline", _("Incident saved."),
    )


@login_required
@require_POST
def incident_remove(request, public_id, incident_id):
    case = _editable_case(request, public_id)
    incident = selectors.case_record(case, "incidents", incident_id)
    return _remove(
        request, case, lambda: record_services.incident_remove(actor=request.user, incident=incident),
        "timeline", _("Incident removed."),
    )


# --- Notes and attachments --------------------------------------------------------------------------

@login_required
def note_add(request, public_id):
    case = _editable_case(request, public_id)
    form = NoteForm(request.POST or None, prefix="note")
    return _form_page(
        request, case, form,
        lambda f: record_services.note_add(actor=request.user, case=case, text=f.cleaned_data["text"]),
        _("Add a note"), "notes", _("Note added."),
    )


@login_required
def attachment_add(request, public_id):
    case = _editable_case(request, public_id)
    form = AttachmentForm(request.POST or None, request.FILES or None, prefix="attachment")
    return _form_page(
        request, case, form,
        lambda f: record_services.attachment_add(
            actor=request.user, case=case, upload=f.cleaned_data["file"], description=f.cleaned_data["description"],
        ),
        _("Attach a file"), "attachments", _("File attached."),
    )


@login_required
def attachment_download(request, public_id, attachment_id):
    case = selectors.visible_case(request.user, public_id)
    attachment = selectors.case_record(case, "attachments", attachment_id)
    try:
        handle = attachment.file.open("rb")
    except FileNotFoundError as error:
        raise Http404 from error
    audit.record_read(attachment)
    return FileResponse(
        handle, as_attachment=True, filename=attachment.original_name, content_type=attachment.content_type,
    )
