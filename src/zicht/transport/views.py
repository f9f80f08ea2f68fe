"""The status pages: the hub's view of the network and a node's view of its connection."""

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from zicht.regions import REGIONS, RegionInfo
from zicht.transport import access, services
from zicht.transport.forms import EnrollmentCodeForm
from zicht.transport.models import HubIdentity, NodeIdentity
from zicht.transport.protocol import keys

HEALTHY_WITHIN = timedelta(minutes=2)


@dataclass(frozen=True)
class RegionRow:
    region: RegionInfo
    row: access.NodeRow | None


def _hub_context(request: HttpRequest, form: EnrollmentCodeForm | None = None) -> dict[str, Any]:
    by_region = {row.node.region: row for row in access.network_overview(request.user)}
    identity = HubIdentity.objects.filter(pk=1).first()
    rows = [RegionRow(region, by_region.get(region.code)) for region in REGIONS]
    return {
        "rows": rows,
        "pending": [r for r in rows if r.row is not None and r.row.node.status == "pending"],
        "online_count": sum(1 for r in rows if r.row is not None and r.row.online),
        "active_count": sum(1 for r in rows if r.row is not None and r.row.node.status == "active"),
        "hub_fingerprint": keys.fingerprint(identity.signing_key_id) if identity else "",
        "form": form or EnrollmentCodeForm(),
    }


@permission_required("transport.view_network", raise_exception=True)
@require_GET
def hub_status(request: HttpRequest) -> HttpResponse:
    return render(request, "transport/hub_status.html", _hub_context(request))


@permission_required("transport.manage_nodes", raise_exception=True)
@require_POST
@never_cache
def create_code(request: HttpRequest) -> HttpResponse:
    form = EnrollmentCodeForm(request.POST)
    if not form.is_valid():
        return render(request, "transport/hub_status.html", _hub_context(request, form))
    code, entry = services.create_enrollment_code(
        acting_user=request.user,
        region=form.cleaned_data["region"],
        hours=form.cleaned_data["hours"],
    )
    # Shown on this response only, never stored or redirected through the session.
    return render(
        request,
        "transport/enrollment_code.html",
        {
            "code": code,
            "entry": entry,
            "hub_url": request.build_absolute_uri("/").rstrip("/"),
        },
    )


@permission_required("transport.manage_nodes", raise_exception=True)
@require_POST
def approve(request: HttpRequest, region: str) -> HttpResponse:
    try:
        services.approve_node(acting_user=request.user, region=region)
    except services.TransportError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("De node van %(region)s is goedgekeurd.") % {"region": region})
    return redirect("transport:hub-status")


@permission_required("transport.view_connection", raise_exception=True)
@require_GET
def node_status(request: HttpRequest) -> HttpResponse:
    identity = NodeIdentity.objects.filter(pk=1).first()
    overview = access.connection_overview(request.user)
    poll = overview.poll if overview else None
    now = timezone.now()
    if poll is None or poll.last_attempt_at is None:
        health = "unknown"
    elif poll.consecutive_failures:
        health = "failing"
    elif poll.last_success_at and poll.last_success_at >= now - HEALTHY_WITHIN:
        health = "ok"
    else:
        health = "stale"
    return render(
        request,
        "transport/node_status.html",
        {
            "identity": identity,
            "overview": overview,
            "poll": poll,
            "health": health,
            "signing_fingerprint": keys.fingerprint(identity.signing_key_id) if identity else "",
            "box_fingerprint": keys.fingerprint(identity.box_key_id) if identity else "",
            "hub_fingerprint": keys.fingerprint(identity.hub_key_id) if identity else "",
        },
    )
