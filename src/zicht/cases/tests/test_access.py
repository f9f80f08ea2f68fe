"""Who sees which case and which of its documents; the same 404 for missing and not allowed."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.test import Client
from django.urls import reverse

from zicht.accounts.tests.factories import OrganisationFactory
from zicht.audit.models import AuditEntry
from zicht.cases import access, services
from zicht.cases.models import AccessRequest
from zicht.cases.tests.factories import add_partner, make_case, organisation
from zicht.register import services as register_services
from zicht.register.tests.factories import make_entity

pytestmark = pytest.mark.django_db


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def setting(make_user, media):
    """A case with the municipality as partner and two documents, one shared with it."""
    case = make_case(title="Pand Vleutenseweg")
    gemeente = organisation("Gemeente Utrecht")
    add_partner(case, gemeente)
    shared = services.add_document(
        acting_user=None,
        case=case,
        upload=SimpleUploadedFile("plan.txt", b"plan", content_type="text/plain"),
        title="Plan van aanpak",
        shared_with=[gemeente],
    )
    secret = services.add_document(
        acting_user=None,
        case=case,
        upload=SimpleUploadedFile("tap.txt", b"politie", content_type="text/plain"),
        title="Politie-informatie",
    )
    member = make_user("partner", organisation=gemeente)
    outsider = make_user("partner", organisation=OrganisationFactory(nla=True))
    return {
        "case": case,
        "gemeente": gemeente,
        "shared": shared,
        "secret": secret,
        "member": member,
        "outsider": outsider,
    }


def test_the_bureau_sees_every_case_partners_only_theirs(make_user, setting):
    other = make_case(title="Ander")
    analyst = make_user("analist")
    assert set(access.cases_visible_to(analyst)) == {setting["case"], other}
    assert list(access.cases_visible_to(setting["member"])) == [setting["case"]]
    assert not access.cases_visible_to(setting["outsider"]).exists()
    # A member of a taking-part organisation without the case permission sees nothing.
    steward = make_user("data_steward", organisation=setting["gemeente"])
    assert not access.cases_visible_to(steward).exists()


def test_ending_the_participation_ends_the_access(setting):
    participant = setting["case"].participants.get()
    services.end_participation(acting_user=None, participant=participant)
    assert not access.cases_visible_to(setting["member"]).exists()


def test_missing_and_not_allowed_are_the_same_404(setting):
    with pytest.raises(Http404):
        access.get_case_for(setting["outsider"], setting["case"].pk)
    with pytest.raises(Http404):
        access.get_case_for(setting["outsider"], 999_999)
    client = Client()
    client.force_login(setting["outsider"])
    hidden = client.get(reverse("cases:case-detail", args=[setting["case"].pk]))
    missing = client.get(reverse("cases:case-detail", args=[999_999]))
    assert hidden.status_code == missing.status_code == 404

    def main(response, case_id):
        html = response.content.decode()
        body = html[html.index("<main") : html.index("</main>")]
        return body.replace(f"/{case_id}/", "/N/")

    assert main(hidden, setting["case"].pk) == main(missing, 999_999)
    assert "Toegang vragen" in hidden.content.decode()


def test_detail_reads_are_audited_with_the_case_purpose(setting):
    case = access.get_case_for(setting["member"], setting["case"].pk)
    entry = AuditEntry.objects.get(action="read", object_type="cases.case")
    assert entry.actor_id == setting["member"].pk
    assert entry.purpose == case.purpose
    assert entry.legal_ground == case.legal_ground


def test_a_partner_sees_the_case_but_not_an_unshared_document(setting):
    client = Client()
    client.force_login(setting["member"])
    case = setting["case"]
    page = client.get(reverse("cases:case-detail", args=[case.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Plan van aanpak" in html
    assert "Politie-informatie" not in html
    assert "tap.txt" not in html
    shared = client.get(reverse("cases:document-download", args=[case.pk, setting["shared"].pk]))
    assert shared.status_code == 200
    assert shared.getvalue() == b"plan"
    secret = client.get(reverse("cases:document-download", args=[case.pk, setting["secret"].pk]))
    assert secret.status_code == 404
    assert AuditEntry.objects.filter(
        action="read", object_type="cases.casedocument", object_id=str(setting["shared"].pk)
    ).exists()


def test_the_bureau_sees_every_document(make_user, setting):
    analyst = make_user("analist")
    visible = set(access.documents_visible_to(analyst, setting["case"]))
    assert visible == {setting["shared"], setting["secret"]}


def test_an_outsider_can_ask_for_access_without_learning_whether_the_case_exists(setting):
    client = Client()
    client.force_login(setting["outsider"])
    case = setting["case"]
    answers = []
    for case_id in (case.pk, 999_999):
        response = client.post(
            reverse("cases:access-request", args=[case_id]),
            {"reason": "Wij inspecteren dit bedrijf"},
            follow=True,
        )
        assert response.status_code == 200
        answers.append([str(m) for m in response.context["messages"]])
    assert answers[0] == answers[1]
    request = AccessRequest.objects.get()
    assert request.case == case
    assert request.organisation == setting["outsider"].organisation
    assert AuditEntry.objects.filter(object_type="cases.accessrequest", outcome="failure").exists()


def test_a_coordinator_grants_access_and_the_outsider_then_sees_the_case(make_user, setting):
    coordinator = make_user("coordinator")
    case = setting["case"]
    request = services.request_access(
        acting_user=setting["outsider"], case_id=case.pk, reason="Inspectie"
    )
    assert request is not None
    client = Client()
    client.force_login(coordinator)
    listing = client.get(reverse("cases:access-request-list"))
    assert "Inspectie" in listing.content.decode()
    role = case.case_type.role_types.get(code="adviseur")
    response = client.post(
        reverse("cases:access-request-decide", args=[request.pk]),
        {f"r{request.pk}-decision": "grant", f"r{request.pk}-role_type": role.pk},
    )
    assert response.status_code == 302
    assert access.get_case_for(setting["outsider"], case.pk) == case
    # Still no document: none was shared with the inspectorate.
    assert not access.documents_visible_to(setting["outsider"], case).exists()


def test_partners_see_subjects_but_not_the_register_around_them(make_user, setting):
    case = setting["case"]
    employer = make_entity("company", name="Flex B.V.", kvk="12345678")
    address = make_entity(
        "address", street="Vleutenseweg", house_number="1", postcode="3532HA", place="Utrecht"
    )
    services.add_subject(
        acting_user=None,
        case=case,
        entity=employer,
        role_type=case.case_type.role_types.get(code="werkgever"),
    )
    # The address is in the register, related to the employer, but not in the case.
    register_services.relate_entities(
        acting_user=None, source=employer, target=address, type="ingeschreven_op"
    )
    partner_page = Client()
    partner_page.force_login(setting["member"])
    html = partner_page.get(reverse("cases:case-detail", args=[case.pk])).content.decode()
    assert "Flex B.V." in html
    assert "Vleutenseweg 1" not in html
    analyst_page = Client()
    analyst_page.force_login(make_user("analist"))
    html = analyst_page.get(reverse("cases:case-detail", args=[case.pk])).content.decode()
    assert "Vleutenseweg" in html
    assert "niet in de casus" in html
