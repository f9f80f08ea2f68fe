"""``zicht research``: joint studies from the command line (hub and node).

The same write path as the web pages: every change goes through
:mod:`zicht.research.services.hub` or :mod:`zicht.research.services.node`, which audit it in
the name of the user given with ``--as`` (who must be active and hold the permission the page
would ask for). Used by operators, scripts and the demo set-up.

On the hub::

    zicht research offer --spec-file STUDY.json --as USERNAME   # new study, first run offered
    zicht research offer --study STUDY_ID --as USERNAME         # a new run of an existing study
    zicht research start RUN_ID --as USERNAME                   # secure aggregation starts

On a node (the run must have reached the node: its transport worker lists the hub's runs)::

    zicht research decide RUN_ID --approve --as STEWARD [--reason TEXT] [--region-column]
    zicht research decide RUN_ID --decline --reason TEXT --as STEWARD

On either::

    zicht research status RUN_ID    # the run as JSON (never a share, a partial sum or a table)

``offer`` prints the new run's id on a line of its own. A study file holds the drafting
choices of the study form as JSON (dates as ``YYYY-MM-DD``; ``regions`` a list of region codes
or ``"all"``)::

    {"study_id": "arbeid-2025", "title": "…", "question": "…",
     "period_start": "2025-01-01", "period_end": "2025-12-31",
     "regions": "all", "metric": "signals", "dimensions": ["sector", "quarter"],
     "filters": {"form": ["arbeid"]}, "min_cell": 10, "epsilon": null, "region_columns": false}

``filters``, ``min_cell`` (default 10), ``epsilon`` (default none: no differential privacy)
and ``region_columns`` (default false) may be left out. See docs/operations.md.
"""

import json
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from zicht.accounts.models import User
from zicht.regions import REGION_CODES
from zicht.research import access
from zicht.research.dimensions import build_spec
from zicht.research.errors import ResearchError
from zicht.research.models import (
    ReceivedShare,
    Release,
    RunRequest,
    SentPartial,
    ShareSet,
    Study,
    StudyRun,
)
from zicht.research.services import hub as hub_services
from zicht.research.services import node as node_services
from zicht.research.study import SpecError, StudySpec
from zicht.transport.management.common import require_role

DRAFT = "research.draft_study"
DECIDE = "research.decide_run"

SPEC_FILE_REQUIRED = frozenset(
    {
        "study_id",
        "title",
        "question",
        "period_start",
        "period_end",
        "regions",
        "metric",
        "dimensions",
    }
)
SPEC_FILE_OPTIONAL = frozenset({"filters", "min_cell", "epsilon", "region_columns"})


class Command(BaseCommand):
    help = "Joint studies: offer and start runs (hub), decide on a run (node), show a run."
    # Operational commands run often (scripts, the demo): system checks belong to deployment
    # and migrate, and would double the start-up time here.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

        offer = actions.add_parser(
            "offer", help="hub: offer a run of a study to its regions; prints the run id"
        )
        source = offer.add_mutually_exclusive_group(required=True)
        source.add_argument("--spec-file", type=Path, help="JSON file of a new study")
        source.add_argument("--study", help="id of an existing study to offer again")
        offer.add_argument("--as", dest="username", required=True, help="drafting user")

        start = actions.add_parser("start", help="hub: start a run once 3+ regions approved")
        start.add_argument("run_id")
        start.add_argument("--as", dest="username", required=True, help="drafting user")

        decide = actions.add_parser("decide", help="node: the data steward's decision on a run")
        decide.add_argument("run_id")
        choice = decide.add_mutually_exclusive_group(required=True)
        choice.add_argument("--approve", action="store_true")
        choice.add_argument("--decline", action="store_true")
        decide.add_argument("--reason", default="", help="required when declining")
        decide.add_argument(
            "--region-column",
            action="store_true",
            help="also approve publishing this region's own protected column",
        )
        decide.add_argument("--as", dest="username", required=True, help="the data steward")

        status = actions.add_parser("status", help="hub or node: the run as JSON")
        status.add_argument("run_id")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "offer":
                require_role("hub")
                self._offer(options)
            elif action == "start":
                require_role("hub")
                self._start(options)
            elif action == "decide":
                require_role("node")
                self._decide(options)
            else:
                self._status(options["run_id"])
        except ResearchError as exc:
            raise CommandError(str(exc)) from exc

    # -- hub ------------------------------------------------------------------------------------

    def _offer(self, options: dict[str, Any]) -> None:
        user = acting_user(options["username"], DRAFT)
        study: Study | None
        if options["spec_file"] is not None:
            spec = read_spec_file(options["spec_file"])
            study = hub_services.save_study(acting_user=user, spec=spec)
        else:
            study = Study.objects.filter(study_id=options["study"]).first()
            if study is None:
                raise CommandError(f"Er is geen onderzoek met code ‘{options['study']}’.")
        run = hub_services.offer_run(acting_user=user, study=study)
        self.stdout.write(run.run_id)

    def _start(self, options: dict[str, Any]) -> None:
        user = acting_user(options["username"], DRAFT)
        run = hub_services.start_run(acting_user=user, run=_hub_run(options["run_id"]))
        self.stdout.write(
            f"{run.run_id} gestart met {len(run.participants)} regio's: "
            f"{', '.join(run.participants)}"
        )

    # -- node -----------------------------------------------------------------------------------

    def _decide(self, options: dict[str, Any]) -> None:
        user = acting_user(options["username"], DECIDE)
        request = access.requests().filter(run_id=options["run_id"]).first()
        if request is None:
            raise CommandError(
                f"Uitvoering ‘{options['run_id']}’ is (nog) niet bekend op deze node; de "
                "transport-worker haalt de uitvoeringen van de hub op."
            )
        decided = node_services.decide(
            acting_user=user,
            request=request,
            approve=options["approve"],
            reason=options["reason"],
            region_column=options["region_column"],
        )
        word = "goedgekeurd" if options["approve"] else "afgewezen"
        self.stdout.write(
            f"{decided.run_id} {word}; de transport-worker geeft het besluit door aan de hub."
        )

    # -- both -----------------------------------------------------------------------------------

    def _status(self, run_id: str) -> None:
        if settings.ZICHT_ROLE == "hub":
            document = hub_status(_hub_run(run_id))
        else:
            request = access.requests().filter(run_id=run_id).first()
            if request is None:
                raise CommandError(f"Uitvoering ‘{run_id}’ is niet bekend op deze node.")
            document = node_status(request)
        self.stdout.write(json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True))


def acting_user(username: str, permission: str) -> User:
    """The active user named ``username`` who holds ``permission``, or CommandError."""
    user = User.objects.filter(username=username).first()
    if user is None or not user.is_active:
        raise CommandError(f"Er is geen actieve gebruiker ‘{username}’ op deze instantie.")
    if not user.has_perm(permission):
        raise CommandError(
            f"Gebruiker ‘{username}’ heeft het recht {permission} niet op deze instantie."
        )
    return user


def read_spec_file(path: Path) -> StudySpec:
    """A checked study spec from a JSON file of drafting choices (see the module docstring)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CommandError(f"{path} kan niet worden gelezen: {exc}") from exc
    except ValueError as exc:
        raise CommandError(f"{path} is geen geldige JSON: {exc}") from exc
    if not isinstance(data, dict):
        raise CommandError(f"{path}: verwacht een JSON-object met de keuzes van het onderzoek.")
    missing = sorted(SPEC_FILE_REQUIRED - set(data))
    unknown = sorted(set(data) - SPEC_FILE_REQUIRED - SPEC_FILE_OPTIONAL)
    if missing or unknown:
        problems = []
        if missing:
            problems.append(f"ontbrekend: {', '.join(missing)}")
        if unknown:
            problems.append(f"onbekend: {', '.join(unknown)}")
        raise CommandError(f"{path}: {'; '.join(problems)}.")
    regions = list(REGION_CODES) if data["regions"] == "all" else data["regions"]
    try:
        return build_spec(
            study_id=data["study_id"],
            title=data["title"],
            question=data["question"],
            period_start=_date(data["period_start"], "period_start"),
            period_end=_date(data["period_end"], "period_end"),
            regions=_strings(regions, "regions"),
            metric=data["metric"],
            dimension_codes=_strings(data["dimensions"], "dimensions"),
            filters=_filters(data.get("filters", {})),
            min_cell=data.get("min_cell", 10),
            epsilon=data.get("epsilon"),
            region_columns=data.get("region_columns", False),
        )
    except SpecError as exc:
        raise CommandError(f"{path}: {exc}") from exc


def _date(value: object, key: str) -> date:
    if not isinstance(value, str):
        raise CommandError(f"{key} moet een datum als tekst zijn (JJJJ-MM-DD).")
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"{key}: ‘{value}’ is geen datum (JJJJ-MM-DD).") from exc


def _strings(value: object, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise CommandError(f"{key} moet een lijst van codes zijn.")
    return value


def _filters(value: object) -> dict[str, list[str]]:
    if not isinstance(value, dict):
        raise CommandError("filters moet een object zijn: {uitsplitsing: [codes]}.")
    return {str(code): _strings(codes, f"filters.{code}") for code, codes in value.items()}


def _hub_run(run_id: str) -> StudyRun:
    run = StudyRun.objects.select_related("study").filter(run_id=run_id).first()
    if run is None:
        raise CommandError(f"Uitvoering ‘{run_id}’ is niet bekend op de hub.")
    return run


def _iso(value: Any) -> str | None:
    return None if value is None else str(value.isoformat())


def hub_status(run: StudyRun) -> dict[str, Any]:
    """What the hub knows of a run: state, decisions, events and the protected release."""
    release = Release.objects.filter(run=run).first()
    return {
        "role": "hub",
        "run_id": run.run_id,
        "study_id": run.study.study_id,
        "title": run.study.title,
        "digest": run.digest,
        "state": run.state,
        "epoch": run.epoch,
        "participants": run.participants,
        "shared": list(run.shared),
        "phase_deadline": _iso(run.phase_deadline),
        "failure": run.failure,
        "decisions": {
            invitation.region: {
                "decision": invitation.decision,
                "reason": invitation.reason,
                "region_column": invitation.region_column,
                "decided_at": _iso(invitation.decided_at),
            }
            for invitation in run.invitations.all()
        },
        "events": [
            {"at": _iso(event.at), "event": event.event, "state": event.state}
            for event in run.events.all()
        ],
        "release": None if release is None else access.release_document(release),
    }


def node_status(request: RunRequest) -> dict[str, Any]:
    """What this node knows of a run, and what secret material it still holds (not the values)."""
    share_sets = ShareSet.objects.filter(run_id=request.run_id).order_by("epoch")
    partial = SentPartial.objects.filter(run_id=request.run_id).first()
    return {
        "role": "node",
        "region": settings.ZICHT_REGION,
        "run_id": request.run_id,
        "study_id": request.study_id,
        "title": request.spec.get("title", ""),
        "digest": request.digest,
        "hub_state": request.hub_state,
        "decision": request.decision,
        "reason": request.reason,
        "region_column": request.region_column,
        "decided_by": request.decided_by.username if request.decided_by else None,
        "decision_reported": request.decision_reported,
        "refusal": request.refusal,
        "sharings": [
            {
                "epoch": share_set.epoch,
                "shares_sent": len(share_set.message_ids),
                "reported": share_set.reported,
                "own_share_held": bool(share_set.own_share),
            }
            for share_set in share_sets
        ],
        "received_shares": ReceivedShare.objects.filter(run_id=request.run_id).count(),
        "partial_sum": None
        if partial is None
        else {"epoch": partial.epoch, "acknowledged": partial.acknowledged},
        "release": request.release,
    }
