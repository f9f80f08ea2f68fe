"""The scanner that looks for nodes' personal data in the hub's database finds what it must.

A scanner that never finds anything would make the no-personal-data test pass vacuously,
so each kind of column is checked with a planted value.
"""

import pytest
from django.db import connection

from zicht.accounts.tests.factories import UserFactory
from zicht.audit.services import record
from zicht.transport.tests import piiscan
from zicht.transport.tests.factories import NodeFactory

pytestmark = pytest.mark.django_db


def _raw():
    connection.ensure_connection()
    return connection.connection


def test_needles_come_from_the_users_of_a_node():
    UserFactory(
        username="p.vandenberg",
        first_name="Pieter",
        last_name="Brouwer",
        email="pieter.brouwer@example.invalid",
    )
    needles = piiscan.needles_from(_raw())
    assert {"p.vandenberg", "Pieter", "Brouwer", "pieter.brouwer@example.invalid"} <= needles
    assert not any(len(n) < piiscan.MIN_NEEDLE_LENGTH for n in needles)


def test_scan_finds_planted_values_in_text_json_and_binary_columns():
    needles = ["Brouwer", "Zwaluwstraat 17", "Émile"]
    assert piiscan.scan(_raw(), needles) == []
    NodeFactory(region="limburg", organisation="RIEC met Brouwer erin")
    record(action="read", object_type="x", detail={"adres": "Zwaluwstraat 17", "naam": "Émile"})
    from zicht.transport.models import HubIdentity

    HubIdentity.objects.create(
        pk=1,
        signing_key="k",
        signing_key_id="i",
        private_key_sealed="...Émile...".encode(),
        created_at="2026-01-01T00:00:00Z",
    )
    hits = {(h.table, h.column, h.needle) for h in piiscan.scan(_raw(), needles)}
    assert ("transport_node", "organisation", "brouwer") in hits
    assert ("audit_auditentry", "detail", "zwaluwstraat 17") in hits
    assert ("audit_auditentry", "detail", "émile") in hits
    assert ("transport_hubidentity", "private_key_sealed", "émile") in hits
