"""A hub and three nodes as real processes: delivery guarantees and refusals end to end.

The module-scoped fixture prepares one database per instance (SQLite files, or databases
on the suite's PostgreSQL server), starts the four web servers, gives each node a few users
with personal data, and enrolls the nodes through the real commands. Tests start and stop
the nodes' workers as they need; the last test scans the hub's database for the nodes'
personal data.
"""

import json
import os
import time
import unicodedata
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from faker import Faker

from zicht.transport.client import HubClient
from zicht.transport.protocol import keys
from zicht.transport.tests import piiscan
from zicht.transport.tests.network import (
    Databases,
    Instance,
    create_instances,
    enroll_nodes,
    wait_until,
)

pytestmark = pytest.mark.multiprocess

A, B, C = "noord-nederland", "oost-nederland", "midden-nederland"
OUTSIDER = "limburg"  # enrolled by the test itself, to send bad requests with real keys
FAST_WORKER = ("--interval", "0.2", "--max-backoff", "1", "--batch", "5")


@dataclass
class Network:
    hub: Instance
    nodes: dict[str, Instance]
    people: dict[str, list[tuple[str, str]]]  # region -> (full name, e-mail) of its users

    def all(self) -> list[Instance]:
        return [self.hub, *self.nodes.values()]


def _people_script(region: str, seed: int) -> tuple[str, list[tuple[str, str]]]:
    fake = Faker("nl_NL")
    fake.seed_instance(seed)
    people = []  # full name and e-mail address of each person
    lines = ["from zicht.accounts import services"]
    for n in range(2):
        first, last = fake.first_name(), fake.last_name()
        plain = unicodedata.normalize("NFKD", f"{first}.{last}").encode("ascii", "ignore")
        username = f"{plain.decode()}.{region}{n}".lower().replace(" ", "")
        people.append((f"{first} {last}", f"{username}@gemeente.example"))
        lines.append(
            f"services.create_user(acting_user=None, username={username!r}, "
            f"email={username + '@gemeente.example'!r}, organisation=None, "
            f"first_name={first!r}, last_name={last!r})"
        )
    return "\n".join(lines), people


@pytest.fixture(scope="module")
def network(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Network]:
    root = tmp_path_factory.mktemp("network")
    databases = Databases(root, os.environ.get("DATABASE_URL"))
    hub, nodes = create_instances(root, databases, (A, B, C))
    net = Network(hub, nodes, {})
    try:
        with ThreadPoolExecutor(max_workers=4) as pool:
            for inst in net.all():
                inst.start_server()
            scripts = {r: _people_script(r, seed) for seed, r in enumerate(nodes)}
            list(pool.map(lambda r: nodes[r].zicht("shell", "-c", scripts[r][0]), nodes))
            net.people = {r: scripts[r][1] for r in nodes}
            for inst in net.all():
                inst.wait_healthy()
        enroll_nodes(hub, list(nodes.values()))
        # Approved at the hub; each node learns it in its first worker cycle.
        for node in nodes.values():
            assert node.scalar("SELECT status FROM transport_nodeidentity") == "pending"
        yield net
    finally:
        for inst in net.all():
            inst.stop_worker()
            inst.stop_server()
        databases.drop_all()


def _once(node: Instance) -> dict[str, int]:
    return json.loads(node.zicht("transport_worker", "--once").stdout)


def _inbox(node: Instance, sender: str, kind: str = "ping") -> int:
    return int(
        node.scalar(
            "SELECT COUNT(*) FROM transport_inboxmessage WHERE sender = %s AND kind = %s",
            (sender, kind),
        )
    )


def _queued_at_hub(hub: Instance, region: str) -> int:
    return int(
        hub.scalar(
            "SELECT COUNT(*) FROM transport_relaymessage r JOIN transport_node n "
            "ON n.id = r.recipient_id WHERE n.region = %s",
            (region,),
        )
    )


def _audited_receipts(node: Instance, message_id: str) -> int:
    rows = node.query("SELECT detail FROM audit_auditentry WHERE action = 'message_received'")
    details = [json.loads(d) if isinstance(d, str) else d for (d,) in rows]
    return sum(1 for d in details if d.get("message_id") == message_id)


def test_a_message_arrives_once_although_the_wire_delivers_it_twice(network: Network) -> None:
    a, b, hub = network.nodes[A], network.nodes[B], network.hub
    person = network.people[A][0][0]
    [line] = a.zicht("transport_ping", "--to", B, "--text", person).stdout.splitlines()
    message_id = line.split()[1]
    assert _once(a)["sent"] == 1
    stored = hub.copy_rows("transport_relaymessage", "1 = 1", ())
    assert len(stored) == 1

    first = _once(b)
    assert (first["received"], first["acknowledged"]) == (1, 1)
    assert _queued_at_hub(hub, B) == 0
    # The same ciphertext is delivered again (a lost acknowledgement, a restored backup).
    hub.insert_rows("transport_relaymessage", stored)
    second = _once(b)
    assert (second["received"], second["duplicates"], second["acknowledged"]) == (0, 1, 1)

    assert _inbox(b, A) == 1
    assert _audited_receipts(b, message_id) == 1
    assert b.scalar("SELECT COUNT(*) FROM transport_outboxmessage WHERE kind = 'pong'") == 1
    assert _queued_at_hub(hub, B) == 0


def test_bad_requests_are_rejected_and_audited(network: Network) -> None:
    hub = network.hub
    [line] = hub.zicht("create_enrollment_code", "--region", OUTSIDER).stdout.splitlines()
    pairs = keys.generate()
    client = HubClient(hub.url, region=OUTSIDER, signing_key=pairs.signing, hub_key=None)
    client.enroll(code=line.split()[1], organisation="RIEC Limburg", box_key=pairs.box_public)
    hub.zicht("approve_node", "--region", OUTSIDER)
    assert client.status()["status"] == "active"

    def refused(**kwargs: object) -> int:
        response, _nonce = client.raw("GET", "/status", **kwargs)  # type: ignore[arg-type]
        return response.status

    assert refused(signing_key=keys.generate().signing) == 401  # tampered: not our key
    stranger = HubClient(
        hub.url, region="rotterdam", signing_key=keys.generate().signing, hub_key=None
    )
    assert stranger.raw("GET", "/status")[0].status == 401  # unknown node
    assert refused(timestamp=int(time.time()) - 3600) == 401  # old timestamp
    ok, nonce = client.raw("GET", "/status")
    assert ok.status == 200
    assert refused(nonce=nonce) == 401  # replayed nonce
    old_key = pairs.signing
    client.rotate_key(new := keys.generate())
    assert refused(signing_key=old_key) == 401  # rotated-away (revoked) key
    client.signing_key = new.signing
    hub.zicht("revoke_node", "--region", OUTSIDER)
    assert refused() == 401  # revoked node

    rows = hub.query(
        "SELECT detail, outcome FROM audit_auditentry WHERE action = 'transport_rejected' "
        "AND actor_username IN ('node-limburg', 'node-rotterdam') ORDER BY id"
    )
    reasons = [(json.loads(d) if isinstance(d, str) else d)["reason"] for d, _o in rows]
    assert reasons == [
        "unknown_key",
        "unknown_node",
        "clock_skew",
        "replayed_nonce",
        "revoked_key",
        "revoked_node",
    ]
    assert {outcome for _d, outcome in rows} == {"failure"}
    assert hub.zicht("audit_verify", "--skip-checks").returncode == 0


def test_anonymous_and_unsigned_callers_are_refused(network: Network) -> None:
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(f"{network.hub.url}/api/v1/transport/poll", timeout=5)  # noqa: S310
    refused.value.close()
    assert refused.value.code == 401
    # The node API does not exist on a node at all.
    node = network.nodes[A]
    with pytest.raises(urllib.error.HTTPError) as missing:
        urllib.request.urlopen(f"{node.url}/api/v1/transport/poll", timeout=5)  # noqa: S310
    missing.value.close()
    assert missing.value.code == 404


def test_a_node_that_was_down_receives_its_messages_when_it_returns(network: Network) -> None:
    a, c, hub = network.nodes[A], network.nodes[C], network.hub
    c.stop_server()
    a.zicht("transport_ping", "--to", C, "--count", "3", "--text", network.people[A][1][0])
    assert _once(a)["sent"] == 3
    assert _queued_at_hub(hub, C) == 3
    before = _inbox(c, A)

    c.start_server()
    c.start_worker(*FAST_WORKER)
    c.wait_healthy()
    wait_until(lambda: _inbox(c, A) == before + 3, timeout=30, what="C to receive 3 pings")
    wait_until(lambda: _queued_at_hub(hub, C) == 0, timeout=30, what="C's acknowledgements")
    assert c.stop_worker() == 0  # SIGTERM: a clean stop
    assert c.scalar("SELECT last_error FROM transport_pollstatus") == ""


def test_a_hub_killed_mid_delivery_loses_no_message(network: Network) -> None:
    a, b, hub = network.nodes[A], network.nodes[B], network.hub
    count = 60
    text = network.people[A][0][0]
    ids = [line.split()[1] for line in
           a.zicht("transport_ping", "--to", B, "--count", str(count), "--text", text)
           .stdout.splitlines()]  # fmt: skip
    before_b, before_pongs = _inbox(b, A), _inbox(a, B, kind="pong")
    a.start_worker(*FAST_WORKER)
    b.start_worker(*FAST_WORKER)
    try:
        wait_until(lambda: _inbox(b, A) > before_b, timeout=30, what="the first delivery")
        offsets = {n.name: n.log("worker").stat().st_size for n in (a, b)}
        hub.kill_server()
        time.sleep(1.0)  # the workers meet a dead hub and back off
        hub.start_server()
        hub.wait_healthy()
        wait_until(lambda: _inbox(b, A) == before_b + count, timeout=60, what="every ping at B")
        wait_until(
            lambda: _inbox(a, B, kind="pong") == before_pongs + count,
            timeout=60,
            what="every pong back at A",
        )
        wait_until(
            lambda: _queued_at_hub(hub, B) + _queued_at_hub(hub, A) == 0,
            timeout=30,
            what="an empty relay",
        )
    finally:
        assert a.stop_worker() == 0
        assert b.stop_worker() == 0
    # The workers did meet the dead hub (and said so in words), and carried on.
    complaints = [n.log("worker").read_bytes()[offsets[n.name] :].decode() for n in (a, b)]
    assert any("De hub is niet bereikbaar" in text for text in complaints), complaints
    assert a.scalar("SELECT COUNT(*) FROM transport_outboxmessage WHERE status <> 'sent'") == 0
    for message_id in (ids[0], ids[-1]):
        assert _audited_receipts(b, message_id) == 1
    # One audit entry per received message: nothing was handled twice.
    receipts = b.scalar("SELECT COUNT(*) FROM audit_auditentry WHERE action = 'message_received'")
    assert receipts == b.scalar("SELECT COUNT(*) FROM transport_inboxmessage")


def test_the_hub_sees_the_nodes_online(network: Network) -> None:
    for node in network.nodes.values():
        node.start_worker(*FAST_WORKER, wait=False)
    try:
        for node in network.nodes.values():
            node.wait_worker_started()
        script = (
            "from zicht.transport.access import is_online\n"
            "from zicht.transport.models import Node\n"
            "print(' '.join(sorted(n.region for n in Node.objects.all() if is_online(n))))"
        )
        online = network.hub.zicht("shell", "-c", script).stdout.split()
    finally:
        for node in network.nodes.values():
            assert node.stop_worker() == 0
    assert {A, B, C} <= set(online)


def test_the_hub_holds_no_personal_data_of_the_nodes(network: Network) -> None:
    needles: set[str] = set()
    for node in network.nodes.values():
        conn = node.databases.connect(node.name)
        try:
            needles |= piiscan.needles_from(conn)
        finally:
            conn.close()
    # The scan means something only if the needles include the people whose names were
    # sent (encrypted) through the hub in the pings above.
    assert {email for people in network.people.values() for _name, email in people} <= needles
    assert len(needles) >= 12
    conn = network.hub.databases.connect("hub")
    try:
        hits = piiscan.scan(conn, needles)
    finally:
        conn.close()
    assert hits == [], f"personal data of the nodes found at the hub: {hits}"
