"""Routes of the register (node only) for the authorization matrix."""

from typing import Any

from zicht.core.authz import Route

READERS = frozenset({"analist", "coordinator", "alleen_lezen"})
WRITERS = frozenset({"analist", "coordinator"})
LISTERS = READERS | {"partner"}
SUBMITTERS = WRITERS | {"partner"}
REDIRECT = frozenset({302})


def _signal() -> dict[str, Any]:
    from zicht.register.tests.factories import make_signal

    return {"signal_id": make_signal().pk}


def _attachment() -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from zicht.register import services
    from zicht.register.tests.factories import make_signal

    signal = make_signal()
    upload = SimpleUploadedFile("verslag.txt", b"inhoud", content_type="text/plain")
    attachment = services.add_attachment(acting_user=None, signal=signal, upload=upload)
    return {"signal_id": signal.pk, "attachment_id": attachment.pk}


def _entity() -> dict[str, Any]:
    from zicht.register.tests.factories import make_entity

    return {"entity_id": make_entity().pk}


def _merge() -> dict[str, Any]:
    from zicht.register import services
    from zicht.register.tests.factories import make_entity

    merge = services.merge_entities(
        acting_user=None,
        source=make_entity(name="A BV", kvk="11111111"),
        target=make_entity(name="A B.V.", kvk="22222222"),
        reason="test",
    )
    return {"merge_id": merge.pk}


def _api_signal() -> dict[str, Any]:
    from zicht.register.tests.factories import organisation

    organisation()
    return {}


SIGNAL_JSON = {
    "received_on": "2026-03-02",
    "reporting_organisation": "Gemeente Utrecht",
    "reporter_role": "toezicht",
    "municipality": "GM0344",
}

ROUTES = [
    Route("register:signal-list", allowed=LISTERS, where="node"),
    Route("register:signal-create", allowed=SUBMITTERS, where="node"),
    Route("register:duplicate-suggestions", allowed=READERS, where="node"),
    Route("register:signal-detail", allowed=READERS, where="node", kwargs_factory=_signal),
    Route(
        "register:signal-transition",
        allowed=WRITERS,
        where="node",
        method="post",
        kwargs_factory=_signal,
        data={"to_status": "in_weging"},
        ok_status=REDIRECT,
    ),
    Route(
        "register:signal-legal-hold",
        allowed=WRITERS,
        where="node",
        method="post",
        kwargs_factory=_signal,
        data={"hold": "on", "reason": "onderzoek OM"},
        ok_status=REDIRECT,
    ),
    Route(
        "register:attachment-add",
        allowed=WRITERS,
        where="node",
        method="post",
        kwargs_factory=_signal,
        ok_status=REDIRECT,
    ),
    Route(
        "register:attachment-download", allowed=READERS, where="node", kwargs_factory=_attachment
    ),
    Route(
        "register:signal-link-entity",
        allowed=WRITERS,
        where="node",
        method="post",
        kwargs_factory=_signal,
        ok_status=REDIRECT,
    ),
    Route("register:entity-list", allowed=READERS, where="node"),
    Route("register:entity-detail", allowed=READERS, where="node", kwargs_factory=_entity),
    Route(
        "register:entity-relate",
        allowed=WRITERS,
        where="node",
        method="post",
        kwargs_factory=_entity,
        ok_status=REDIRECT,
    ),
    Route(
        "register:entity-merge",
        allowed=WRITERS,
        where="node",
        method="post",
        kwargs_factory=_entity,
        ok_status=REDIRECT,
    ),
    Route(
        "register:entity-unmerge",
        allowed=WRITERS,
        where="node",
        method="post",
        kwargs_factory=_merge,
        ok_status=REDIRECT,
    ),
    Route(
        "api:create_signal",
        allowed=SUBMITTERS,
        where="node",
        method="post",
        is_api=True,
        kwargs_factory=_api_signal,
        data=SIGNAL_JSON,
        ok_status=frozenset({200, 201}),
    ),
    Route("api:list_signals", allowed=LISTERS, where="node", is_api=True),
    Route("api:get_signal", allowed=READERS, where="node", is_api=True, kwargs_factory=_signal),
    Route(
        "api:entity_suggestions",
        allowed=READERS,
        where="node",
        method="post",
        is_api=True,
        data={"role": "werkgever", "kind": "company", "properties": {"name": "Agro"}},
    ),
]


def _import_job() -> dict[str, Any]:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from zicht.register import services
    from zicht.register.tests.factories import organisation

    organisation()
    upload = SimpleUploadedFile(
        "signalen.csv",
        b"extern_kenmerk;datum_ontvangst;organisatie;rol_melder;gemeente\n"
        b"A-1;02-03-2026;Gemeente Utrecht;toezicht;GM0344\n",
    )
    job = services.create_import_job(
        acting_user=None, upload=upload, organisation=None, dry_run=True
    )
    # Run it, so the uploaded file is deleted again.
    services.run_import_job(job_id=job.pk)
    return {"job_id": job.pk}


ROUTES += [
    Route("register:import", allowed=WRITERS, where="node"),
    Route("register:import-detail", allowed=WRITERS, where="node", kwargs_factory=_import_job),
    Route("register:import-progress", allowed=WRITERS, where="node", kwargs_factory=_import_job),
]
