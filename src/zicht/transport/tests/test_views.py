"""The hub's network page and a node's connection page."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from zicht.audit.models import AuditEntry
from zicht.transport import services
from zicht.transport.models import EnrollmentCode, Node, NodeStatus, RelayMessage
from zicht.transport.protocol import keys
from zicht.transport.tests.factories import NodeFactory

pytestmark = pytest.mark.django_db


@pytest.mark.usefixtures("as_hub")
def test_network_page_shows_health_versions_and_queues(client_for):
    online = NodeFactory(region="limburg", last_seen=timezone.now(), software_version="1.2.3")
    NodeFactory(region="rotterdam", last_seen=timezone.now() - timedelta(hours=1))
    NodeFactory(region="den-haag", status=NodeStatus.PENDING)
    RelayMessage.objects.create(
        id="00000000-0000-4000-8000-000000000001",
        sender=Node.objects.get(region="rotterdam"),
        recipient=online,
        kind="ping",
        sender_box_key_id="0" * 32,
        recipient_box_key_id="0" * 32,
        ciphertext=b"x" * 2048,
        size=2048,
        created_at=timezone.now(),
        expires_at=timezone.now() + timedelta(days=1),
    )
    page = client_for("analist").get(reverse("transport:hub-status")).content.decode()
    assert "Actieve nodes online</dt>\n  <dd>1 / 2" in page
    assert "1.2.3" in page
    assert "1 bericht (2,0\xa0KB)" in page
    assert "niet aangemeld" in page
    # The analist sees the network but does not approve or create codes.
    assert "Goedkeuren" not in page
    assert "Code maken" not in page


@pytest.mark.usefixtures("as_hub")
def test_beheerder_approves_a_pending_node_from_the_page(client_for):
    node = NodeFactory(region="den-haag", status=NodeStatus.PENDING)
    client = client_for("beheerder")
    page = client.get(reverse("transport:hub-status")).content.decode()
    assert "Wachten op goedkeuring" in page
    assert keys.fingerprint(node.signing_key_id) in page
    response = client.post(reverse("transport:approve-node", kwargs={"region": "den-haag"}))
    assert response.status_code == 302
    node.refresh_from_db()
    assert node.status == NodeStatus.ACTIVE
    entry = AuditEntry.objects.get(action="enrollment", detail__step="approved")
    assert entry.actor_username
    # Approving twice says why it cannot.
    response = client.post(
        reverse("transport:approve-node", kwargs={"region": "den-haag"}), follow=True
    )
    assert "wacht niet op goedkeuring" in response.content.decode()


@pytest.mark.usefixtures("as_hub")
def test_beheerder_creates_a_code_shown_once(client_for):
    client = client_for("beheerder")
    response = client.post(reverse("transport:create-code"), {"region": "limburg", "hours": 24})
    page = response.content.decode()
    assert response.status_code == 200
    assert "zicht enroll --hub http://testserver --code" in page
    assert "no-cache" in response["Cache-Control"] or "no-store" in response["Cache-Control"]
    entry = EnrollmentCode.objects.get()
    code = page.split("--code ")[1].split("<")[0].strip()
    assert entry.code_hash == services.hash_code(code)
    assert code not in str(AuditEntry.objects.values_list("detail", flat=True))


@pytest.mark.usefixtures("as_hub")
def test_code_form_errors_are_shown(client_for):
    response = client_for("beheerder").post(reverse("transport:create-code"), {"region": "x"})
    assert response.status_code == 200
    assert "Er is een probleem" in response.content.decode()
    assert not EnrollmentCode.objects.exists()


def test_connection_page_before_enrollment(client_for):
    page = client_for("beheerder").get(reverse("transport:node-status")).content.decode()
    assert "nog niet aangemeld" in page


def test_connection_page_shows_health_error_and_fingerprints(client_for):
    pairs = keys.generate()
    hub = keys.generate()
    services.save_identity(
        region="midden-nederland",
        organisation="RIEC Midden-Nederland",
        hub_url="https://hub.example",
        pairs=pairs,
        hub_signing_key=hub.signing_public,
        status="active",
    )
    services.record_poll_failure(
        error="De hub is niet bereikbaar: de verbinding wordt geweigerd (draait de hub?).",
        next_attempt_at=timezone.now() + timedelta(seconds=30),
        failures=3,
    )
    services.send_message(recipients=["limburg"], kind="ping", payload={}, idempotency_key="k")
    page = client_for("beheerder").get(reverse("transport:node-status")).content.decode()
    assert "storing" in page
    assert "de verbinding wordt geweigerd" in page
    assert keys.fingerprint(pairs.signing_key_id) in page
    assert keys.fingerprint(pairs.box_key_id) in page
    assert keys.fingerprint(hub.signing_key_id) in page
    assert "Uitgaand, in de wachtrij</dt><dd>1" in page
    services.record_poll_success(next_attempt_at=timezone.now())
    page = client_for("beheerder").get(reverse("transport:node-status")).content.decode()
    assert "in orde" in page
    assert "verbinding wordt geweigerd" not in page
