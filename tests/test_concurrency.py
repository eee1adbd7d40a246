"""Concurrency through the real HTTP views: many people saving one case, one person, one alert at once.

Each thread is a separate signed-in browser (its own session) on its own database connection,
released together by a barrier. On PostgreSQL the writers really overlap and the row locks
(`select_for_update` in cases.services.versioning, the conditional UPDATE of an alert) decide;
on SQLite every write transaction starts with BEGIN IMMEDIATE, so writers queue one after
another: the same outcomes must hold there too, which these tests also prove.

Each test prints its figures (threads, attempts, successes, refusals, seconds); run with -s.
"""

import re
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from html.parser import HTMLParser

import pytest
from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import connection, connections
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from cases import revisions
from cases.choices import AlertEventKind
from cases.models import Alert, AlertEvent, Case, Person
from cases.services import access
from cases.services.versioning import StaleEditError
from config.bidi import isolate
from tests.cases.test_alerts import high_case, open_alert
from tests.conftest import make_user

pytestmark = pytest.mark.django_db(transaction=True)

EDITORS = 12
ROUNDS = 3
LIAISONS = 10
# Every thread reads its answers in another language, so each refusal is checked translated.
LANGUAGES = ["ru", "ug", "kk", "ky", "tr", "ar", "zh-hans", "en"]
ACKNOWLEDGED = "Alert acknowledged. You are now responsible for it."
TAKEN = "%(name)s acknowledged this alert at %(time)s UTC. Nothing was changed."


@dataclass
class Figures:
    name: str
    threads: int
    attempts: int = 0
    successes: int = 0
    refusals: int = 0
    most_in_flight: int = 0  # the most saves under way at one moment: proof that they really overlapped
    started: float = field(default_factory=time.monotonic)
    _in_flight: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @contextmanager
    def saving(self):
        with self._lock:
            self._in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self._in_flight)
        try:
            yield
        finally:
            with self._lock:
                self._in_flight -= 1

    def report(self):
        print(f"\n[{connection.vendor}] {self.name}: threads={self.threads} attempts={self.attempts} "
              f"successes={self.successes} refusals={self.refusals} most in flight={self.most_in_flight} "
              f"seconds={time.monotonic() - self.started:.2f}")


def run_together(count, work):
    """Run `work(index)` in `count` threads; each closes its database connections when it ends.

    Returns the results in index order; an exception in any thread fails the test (no silent loss).
    """
    results, errors = [None] * count, []

    def target(index):
        try:
            results[index] = work(index)
        except BaseException as error:  # noqa: BLE001 - reported to the main thread below
            errors.append((index, repr(error)))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads), "a thread hung"
    assert not errors, errors
    return results


class _FormReader(HTMLParser):
    """Reads the fields of the page's form that carries a record version, as a browser would submit them."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms, self._fields, self._select, self._textarea = [], None, None, None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self._fields = []
            self.forms.append(self._fields)
        elif self._fields is None or "disabled" in attrs:
            return
        elif tag == "input" and attrs.get("name"):
            kind = attrs.get("type", "text")
            if kind not in ("checkbox", "radio", "submit", "button", "file") or "checked" in attrs:
                self._fields.append((attrs["name"], attrs.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select":
            self._select = [attrs.get("name"), "multiple" in attrs, [], None]
        elif tag == "option" and self._select is not None:
            if self._select[3] is None:
                self._select[3] = attrs.get("value", "")
            if "selected" in attrs:
                self._select[2].append(attrs.get("value", ""))
        elif tag == "textarea":
            self._textarea = [attrs.get("name"), ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._fields = None
        elif tag == "select" and self._select is not None:
            name, multiple, chosen, first = self._select
            for value in chosen or ([] if multiple or first is None else [first]):
                self._fields.append((name, value))
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self._fields.append((self._textarea[0], self._textarea[1].removeprefix("\n")))
            self._textarea = None


def form_data(html):
    """What a browser would submit from the edit form on the page `html`, as loaded.

    Read from the HTML, not `response.context`: the test client collects the context from a
    process-wide signal, so a request in one thread can be handed the form of another's.
    """
    reader = _FormReader()
    reader.feed(html)
    fields = next(form for form in reader.forms if any(name == "version" for name, _value in form))
    data = {}
    for name, value in fields:
        data.setdefault(name, []).append(value)
    return {name: values[0] if len(values) == 1 else values for name, values in data.items()}


def translated(message, language):
    """`message` (a msgid or a lazy string) in `language`, HTML-escaped as a page shows it.

    Refuses a message that has no translation, so a page in English would not pass for translated.
    """

    def in_(code):
        with translation.override(code):
            return gettext(message) if isinstance(message, str) else str(message)

    text = in_(language)
    assert language == "en" or text != in_("en"), f"no {language} translation of {in_('en')!r}"
    return escape(text)


def literal_parts(message, language):
    """The fixed text around the placeholders of `message` in `language` (what a page must contain)."""
    return [part.strip() for part in re.split(r"%\(\w+\)s", translated(message, language)) if len(part.strip()) > 2]


@pytest.fixture
def editors(cast, own_case):
    """Twelve people of the case's NGO who may edit it: its caseworker, the supervisor, ten assignees."""
    team = [cast.caseworker, cast.supervisor]
    for number in range(EDITORS - len(team)):
        editor = make_user(f"editor{number:02d}", cast.ngo, "caseworker")
        access.case_assign(actor=cast.supervisor, case=own_case, assignee=editor)
        team.append(editor)
    return team


def last_audit_entry():
    return LogEntry.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def audited_changes(model, pk, field_name, *, after):
    """Audit entries written after entry `after` that record a change of `field_name` on one record."""
    entries = LogEntry.objects.filter(content_type=ContentType.objects.get_for_model(model), object_pk=str(pk),
                                      action=LogEntry.Action.UPDATE, pk__gt=after)
    return [entry for entry in entries if field_name in (entry.changes_dict or {})]


TARGETS = {
    # what is edited: (model, the field each editor types their own value into, that value)
    "case": (Case, "host_city", lambda round_, index: f"Almaty {round_}-{index}"),
    "person": (Person, "place_of_birth", lambda round_, index: f"Ghulja {round_}-{index}"),
}


def edit_url(target, case):
    if target == "case":
        return reverse("cases:edit", kwargs={"public_id": case.public_id})
    person = case.people.get()
    return reverse("cases:person_edit", kwargs={"public_id": case.public_id, "person_id": person.pk})


@pytest.mark.parametrize("target", ["case", "person"])
def test_twelve_editors_saving_at_once_one_wins_per_version_and_the_rest_keep_their_typing(
    cast, own_case, editors, logged_in, target,
):
    model, field_name, value_for = TARGETS[target]
    record = own_case if target == "case" else own_case.people.get()
    url = edit_url(target, own_case)
    clients = [logged_in(user) for user in editors]
    start_version, start_revision = record.version, revisions.current(own_case)
    audited_before = last_audit_entry()
    figures = Figures(f"{target} edits, all loaded then saved together, {ROUNDS} rounds", EDITORS)
    winners = []  # the index of each round's winning editor

    for round_ in range(ROUNDS):
        barrier = threading.Barrier(EDITORS)

        def edit(index, round_=round_, barrier=barrier):
            language = LANGUAGES[index % len(LANGUAGES)]
            loaded = clients[index].get(url, HTTP_ACCEPT_LANGUAGE=language)
            assert loaded.status_code == 200
            data = {**form_data(loaded.content.decode()), field_name: value_for(round_, index)}
            barrier.wait(timeout=60)
            with figures.saving():
                response = clients[index].post(url, data, HTTP_ACCEPT_LANGUAGE=language)
            return language, int(data["version"]), response.status_code, response.content.decode()

        outcomes = run_together(EDITORS, edit)
        figures.attempts += len(outcomes)
        assert {version for _language, version, _status, _html in outcomes} == {start_version + round_}
        assert sorted(status for _l, _v, status, _h in outcomes) == [302] + [400] * (EDITORS - 1)
        winner = next(index for index, (_l, _v, status, _h) in enumerate(outcomes) if status == 302)
        winners.append(winner)
        for index, (language, _version, status, html) in enumerate(outcomes):
            if status == 302:
                continue
            # The refusal in the reader's language, with what they typed still in the form.
            assert translated(StaleEditError.message, language) in html, (language, html[:500])
            assert f'value="{value_for(round_, index)}"' in html
        record.refresh_from_db()
        # No lost update: the stored row is the winner's save, one version further on.
        assert getattr(record, field_name) == value_for(round_, winner)
        assert record.version == start_version + round_ + 1
        figures.successes += 1
        figures.refusals += EDITORS - 1

    figures.report()
    assert figures.most_in_flight > 1  # the saves did overlap (on SQLite they then queue for the write lock)
    assert record.version == start_version + ROUNDS
    # One audit entry and one step of the case file's revision for each save that won, none for a refusal.
    entries = audited_changes(model, record.pk, field_name, after=audited_before)
    assert len(entries) == ROUNDS
    # Values are redacted in the trail (cases.audit.redact); who saved is not.
    assert sorted(entry.actor_id for entry in entries) == sorted(editors[index].pk for index in winners)
    assert revisions.current(own_case) == start_revision + ROUNDS


def test_twelve_editors_who_reload_and_retry_all_land_their_note_none_lost(cast, own_case, editors, logged_in):
    """Each person adds their own line to the same notes field, reloading after a refusal, until it saves."""
    person = own_case.people.get()
    url = edit_url("person", own_case)
    clients = [logged_in(user) for user in editors]
    start_version = person.version
    start_revision = revisions.current(own_case)
    audited_before = last_audit_entry()
    barrier = threading.Barrier(EDITORS)
    figures = Figures("person notes, each retrying until saved", EDITORS)

    def add_my_line(index):
        language = LANGUAGES[index % len(LANGUAGES)]
        attempts = refusals = 0
        while True:
            loaded = clients[index].get(url, HTTP_ACCEPT_LANGUAGE=language)
            data = form_data(loaded.content.decode())
            # A one-line field (browsers drop newlines from it): entries are separated by "; ".
            entries = [entry for entry in data["contact_notes"].split("; ") if entry]
            data["contact_notes"] = "; ".join([*entries, f"via neighbour {index:02d}"])
            if attempts == 0:
                barrier.wait(timeout=60)
            attempts += 1
            with figures.saving():
                response = clients[index].post(url, data, HTTP_ACCEPT_LANGUAGE=language)
            if response.status_code == 302:
                return attempts, refusals
            assert response.status_code == 400
            assert translated(StaleEditError.message, language) in response.content.decode()
            refusals += 1
            assert attempts < 10 * EDITORS, "an editor never got their save in"

    outcomes = run_together(EDITORS, add_my_line)
    figures.attempts = sum(attempts for attempts, _refusals in outcomes)
    figures.refusals = sum(refusals for _attempts, refusals in outcomes)
    figures.successes = EDITORS
    figures.report()
    person.refresh_from_db()
    entries = person.contact_notes.split("; ")
    assert sorted(entries) == [f"via neighbour {index:02d}" for index in range(EDITORS)]  # all, once
    assert person.version == start_version + EDITORS
    assert figures.attempts == EDITORS + figures.refusals
    assert len(audited_changes(Person, person.pk, "contact_notes", after=audited_before)) == EDITORS
    assert revisions.current(own_case) == start_revision + EDITORS


def test_ten_liaisons_acknowledging_one_alert_at_once_record_exactly_one_acknowledgement(cast, clock, logged_in):
    alert = open_alert(high_case(cast, clock))
    liaisons = [cast.liaison] + [make_user(f"liaison{number:02d}", cast.unhcr, "unhcr_liaison")
                                 for number in range(LIAISONS - 1)]
    clients = [logged_in(user) for user in liaisons]
    url = reverse("cases:alert_acknowledge", args=[alert.public_id])
    detail = reverse("cases:alert_detail", args=[alert.public_id])
    start_version = alert.version
    barrier = threading.Barrier(LIAISONS)
    figures = Figures("alert acknowledgements", LIAISONS)

    def acknowledge(index):
        language = LANGUAGES[index % len(LANGUAGES)]
        assert clients[index].get(detail, HTTP_ACCEPT_LANGUAGE=language).status_code == 200
        barrier.wait(timeout=60)
        with figures.saving():
            response = clients[index].post(url, HTTP_ACCEPT_LANGUAGE=language)
        page = clients[index].get(response["Location"], HTTP_ACCEPT_LANGUAGE=language)
        return language, response.status_code, response["Location"], page.status_code, page.content.decode()

    outcomes = run_together(LIAISONS, acknowledge)
    figures.attempts = len(outcomes)
    # Every click is answered with the alert page again: no error page, no 500.
    assert {(status, location, shown) for _l, status, location, shown, _h in outcomes} == {(302, detail, 200)}
    won = [index for index, (language, *_rest, html) in enumerate(outcomes)
           if translated(ACKNOWLEDGED, language) in html]
    assert len(won) == 1, won
    winner = liaisons[won[0]]
    for index, (language, *_rest, html) in enumerate(outcomes):
        refusal = re.search(r'<li class="message warning">(.*?)</li>', html, re.S)
        if index in won:
            assert refusal is None
            continue
        # "<winner> acknowledged this alert at <time> UTC. Nothing was changed." in the reader's language.
        assert refusal and isolate(winner) in refusal.group(1), (language, html[:300])
        for part in literal_parts(TAKEN, language):
            assert part in refusal.group(1), (language, part)
    figures.successes, figures.refusals = 1, LIAISONS - 1
    figures.report()
    alert.refresh_from_db()
    assert (alert.state, alert.acknowledged_by, alert.responsible_liaison) == ("acknowledged", winner, winner)
    assert alert.version == start_version + 1
    assert AlertEvent.objects.filter(alert=alert, kind=AlertEventKind.ACKNOWLEDGED).count() == 1
    assert AlertEvent.objects.get(alert=alert, kind=AlertEventKind.ACKNOWLEDGED).actor == winner
    assert len(audited_changes(Alert, alert.pk, "state", after=0)) == 1
