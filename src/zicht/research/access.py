"""Reads of joint research, hub and node side, in one place.

The hub holds no personal data, but which region decided what is confidential between the
region and the network, so the node API only lists the calling region's own invitations.
On a node, a steward's preview of the local table reads the register; the view audits it.
"""

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
        release = Release.objects.filter(run=run).first()
        items.append(
            {
                "run_id": run.run_id,
                "study_id": run.study.study_id,
                "spec": run.spec,
                "digest": run.digest,
                "state": run.state,
                "protocol": run.protocol,
                "decision": invitation.decision,
                "release": release_document(release) if release is not None else None,
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
