"""Reads of joint research, hub and node side, in one place.

The hub holds no personal data, but which region decided what is confidential between the
region and the network, so the node API only lists the calling region's own invitations.
On a node, a steward's preview of the local table reads the register; the view audits it.
"""

import functools
import hashlib
import json
from datetime import timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from zicht.research import workflow
from zicht.research.models import Invitation, Release, RunRequest, Study, StudyRun
from zicht.research.study import epsilon_text

# Ended runs stay in a node's list this long, so it learns the outcome even after a pause.
ENDED_VISIBLE = timedelta(days=30)


def release_document(release: Release) -> dict[str, Any]:
    """What participants may read of a release (the protected table and how it was made)."""
    return {
        "table": release.table,
        "method": release.method,
        "participants": release.participants,
        "left_out": release.left_out,
        "epsilon": None if release.epsilon is None else epsilon_text(release.epsilon),
        "released_at": release.released_at.isoformat(),
        "columns": {c.region: c.table for c in release.run.columns.filter(published=True)},
    }


def document_digest(document: dict[str, Any]) -> str:
    """SHA-256 of a release document's canonical JSON: nodes fetch a release only when new."""
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


@functools.lru_cache(maxsize=256)
def _release_digest(release_id: int, released_at: str) -> str:
    # A release does not change after the transaction that created it (its columns are
    # published or withheld in that same transaction), so its digest can be remembered. The
    # time is part of the key: a database that reuses the id of a rolled-back row (SQLite,
    # the tests) must not get another release's digest.
    return document_digest(release_document(Release.objects.get(pk=release_id)))


def release_for_region(region: str, run_id: str) -> dict[str, Any] | None:
    """The release of ``run_id`` if ``region`` was asked to take part in it."""
    release = Release.objects.filter(run__run_id=run_id, run__invitations__region=region).first()
    return None if release is None else release_document(release)


def runs_for_region(region: str) -> list[dict[str, Any]]:
    since = timezone.now() - ENDED_VISIBLE
    invitations = (
        Invitation.objects.filter(region=region)
        .select_related("run", "run__study")
        .order_by("run__created_at")
    )
    items = []
    for invitation in invitations:
        run = invitation.run
        if run.state in workflow.ENDED and run.updated_at < since:
            continue
        release_key = Release.objects.filter(run=run).values_list("pk", "released_at").first()
        items.append(
            {
                "run_id": run.run_id,
                "study_id": run.study.study_id,
                "spec": run.spec,
                "digest": run.digest,
                "state": run.state,
                "protocol": run.protocol,
                "decision": invitation.decision,
                # Only the digest: a release document can be large, and every poll would carry
                # every recent one. The node fetches a release once, when its digest is new.
                "release_digest": None
                if release_key is None
                else _release_digest(release_key[0], release_key[1].isoformat()),
            }
        )
    return items


def studies() -> QuerySet[Study]:
    return Study.objects.select_related("created_by").prefetch_related("runs")


def runs_of(study: Study) -> QuerySet[StudyRun]:
    return study.runs.prefetch_related("invitations", "events").order_by("-number")


def releases() -> QuerySet[Release]:
    return Release.objects.select_related("run", "run__study").order_by("-released_at")


def requests() -> QuerySet[RunRequest]:
    return RunRequest.objects.select_related("decided_by")
