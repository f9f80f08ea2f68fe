"""The console commands, the JSON API and the English catalogue of the cases app."""

import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone, translation

from zicht.cases import services
from zicht.cases.models import Notification
from zicht.cases.tests.factories import add_partner, make_case, organisation
from zicht.core.tests.test_translations import PLACEHOLDER, parse_po

PO_PATH = Path(__file__).resolve().parents[1] / "locale" / "en" / "LC_MESSAGES" / "django.po"


@pytest.mark.django_db
def test_send_task_reminders_command(make_user, capsys):
    user = make_user("coordinator", email="c@example.invalid")
    case = make_case()
    services.add_task(
        acting_user=None,
        case=case,
        title="Bellen",
        assignee=user,
        due_on=timezone.localdate() - timedelta(days=1),
    )
    services.set_notification_preferences(acting_user=user, email_each=False, daily_digest=True)
    call_command("send_task_reminders", "--digest")
    out = capsys.readouterr().out
    assert "0 due soon, 1 overdue" in out
    assert "Daily digests sent: 1" in out
    assert Notification.objects.filter(recipient=user, kind="verlopen").exists()


@pytest.mark.django_db
def test_load_case_catalogues_command(capsys):
    call_command("load_case_catalogues")
    assert "case catalogues loaded" in capsys.readouterr().out


@pytest.mark.django_db
def test_api_lists_and_exports_what_the_caller_may_see(make_user):
    gemeente = organisation("Gemeente Utrecht")
    visible = make_case(title="Zichtbaar")
    make_case(title="Niet zichtbaar")
    add_partner(visible, gemeente, "initiator")
    partner = Client()
    partner.force_login(make_user("partner", organisation=gemeente))
    listing = partner.get("/api/v1/cases")
    assert listing.status_code == 200
    items = listing.json()["items"]
    assert [i["title"] for i in items] == ["Zichtbaar"]
    assert items[0]["partners"] == [{"organisation": "Gemeente Utrecht", "role": "initiator"}]
    assert partner.get(f"/api/v1/cases/{visible.pk}").json()["status"] == "intake"
    assert partner.get(f"/api/v1/cases/{visible.pk}/zgw").status_code == 403
    analyst = Client()
    analyst.force_login(make_user("analist"))
    assert len(analyst.get("/api/v1/cases", {"limit": 1}).json()["items"]) == 1
    assert analyst.get("/api/v1/cases", {"limit": 0}).status_code == 422
    export = analyst.get(f"/api/v1/cases/{visible.pk}/zgw")
    assert export.json()["zaak"]["identificatie"] == visible.reference
    missing = analyst.get("/api/v1/cases/999999")
    assert missing.status_code == 404
    assert missing["Content-Type"] == "application/problem+json"


def test_the_english_catalogue_is_complete_and_keeps_placeholders():
    entries = [e for e in parse_po(PO_PATH) if e.msgid]
    assert entries
    for entry in entries:
        assert "fuzzy" not in entry.flags, entry.label
        for index, text in entry.msgstr.items():
            assert text, entry.label
            source = entry.msgid if index == 0 or entry.msgid_plural is None else entry.msgid_plural
            assert set(PLACEHOLDER.findall(source)) == set(PLACEHOLDER.findall(text)), entry.label


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="msgfmt (gettext) is not installed")
def test_the_english_catalogue_is_compiled():
    result = subprocess.run(
        ["msgfmt", "--check-format", "-o", "-", str(PO_PATH)], capture_output=True, check=False
    )
    assert result.returncode == 0, result.stderr.decode()
    assert result.stdout == PO_PATH.with_suffix(".mo").read_bytes(), "run msgfmt on the .po"


def test_the_case_pages_speak_english_when_asked():
    with translation.override("en"):
        assert translation.gettext("Casus afsluiten") == "Close case"
        assert translation.gettext("integraal overleg") == "integrated meeting"
