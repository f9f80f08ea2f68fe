"""The network of a case's subjects as a server-side SVG: no JavaScript, no external assets.

Pure Python without Django, so it is tested on its own. The layout is a clustered circle:
nodes sit on one circle grouped by kind (persons, companies, addresses…), one empty slot
between groups, labels radially outside the circle, relations as curves pulled towards the
centre. It is deterministic (same input, same picture), never overlaps nodes, and stays
readable with a few hundred nodes because the circle grows with the number of nodes while
labels keep a fixed size; full names, kinds and roles are in each node's ``<title>`` (shown
on hover and read by screen readers). A force-directed layout was not chosen: it needs
iterations and a seed to be repeatable, and with 100+ nodes it produces a hairball whose
labels overlap.
"""

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

# Per kind: fill colour. Chosen to stay apart for the common colour-vision deficiencies
# (Okabe-Ito palette); the legend names each kind, so colour is never the only cue.
PALETTE = (
    "#0072B2",
    "#E69F00",
    "#009E73",
    "#CC79A7",
    "#56B4E9",
    "#D55E00",
    "#F0E442",
    "#000000",
)
LABEL_CHARS = 26
SPACING = 15.0  # px along the circle between two neighbouring nodes
MIN_RADIUS = 110.0
LABEL_ROOM = 175.0  # px outside the circle for the labels
MARGIN = 12.0
LEGEND_HEIGHT = 22.0


@dataclass(frozen=True)
class Node:
    id: str
    label: str
    kind: str
    is_subject: bool = True
    # Shown in the node's tooltip, e.g. the role in the case.
    detail: str = ""
    href: str = ""


@dataclass(frozen=True)
class Edge:
    source: str
    target: str
    label: str = ""


@dataclass(frozen=True)
class Placed:
    node: Node
    x: float
    y: float
    angle: float  # radians, 0 = to the right, counter-clockwise in screen terms


@dataclass(frozen=True)
class Layout:
    placed: list[Placed]
    radius: float
    size: float  # width and height of the drawing, without the legend
    centre: float


def truncate(text: str, limit: int = LABEL_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def order_nodes(nodes: Sequence[Node], kind_order: Sequence[str]) -> list[Node]:
    """Group by kind (in ``kind_order``, unknown kinds last), subjects first, then by label."""
    rank = {kind: i for i, kind in enumerate(kind_order)}
    return sorted(
        nodes,
        key=lambda n: (
            rank.get(n.kind, len(rank)),
            n.kind,
            not n.is_subject,
            n.label.lower(),
            n.id,
        ),
    )


def layout(nodes: Sequence[Node], kind_order: Sequence[str] = ()) -> Layout:
    ordered = order_nodes(nodes, kind_order)
    kinds: list[str] = []
    for node in ordered:
        if not kinds or kinds[-1] != node.kind:
            kinds.append(node.kind)
    # One empty slot after each group separates the clusters (none when there is one group).
    slots = len(ordered) + (len(kinds) if len(kinds) > 1 else 0)
    radius = max(MIN_RADIUS, slots * SPACING / (2 * math.pi))
    size = 2 * (radius + LABEL_ROOM + MARGIN)
    centre = size / 2
    placed = []
    slot = 0
    previous_kind = None
    for node in ordered:
        if previous_kind is not None and node.kind != previous_kind:
            slot += 1
        previous_kind = node.kind
        # Start at the top and go clockwise, the way a reader scans a clock face.
        angle = math.pi / 2 - 2 * math.pi * slot / max(slots, 1)
        placed.append(
            Placed(
                node,
                centre + radius * math.cos(angle),
                centre - radius * math.sin(angle),
                angle,
            )
        )
        slot += 1
    return Layout(placed, radius, size, centre)


def _f(value: float) -> str:
    return f"{value:.1f}"


def _edge_path(a: Placed, b: Placed, centre: float) -> str:
    # A quadratic curve whose control point lies between the chord's middle and the centre:
    # long chords bend inwards and bundle, short ones stay close to the circle.
    mx, my = (a.x + b.x) / 2, (a.y + b.y) / 2
    cx, cy = centre + (mx - centre) * 0.3, centre + (my - centre) * 0.3
    return f"M{_f(a.x)},{_f(a.y)} Q{_f(cx)},{_f(cy)} {_f(b.x)},{_f(b.y)}"


def render_svg(
    nodes: Sequence[Node],
    edges: Sequence[Edge],
    *,
    title: str,
    kind_labels: dict[str, str] | None = None,
    kind_order: Sequence[str] = (),
    subject_note: str = "",
    description: str = "",
) -> str:
    """The network as an ``<svg>`` element; all text is escaped, so the result is safe HTML."""
    labels = kind_labels or {}
    result = layout(nodes, kind_order)
    by_id = {p.node.id: p for p in result.placed}
    kinds = list(dict.fromkeys(p.node.kind for p in result.placed))
    colour = {kind: PALETTE[i % len(PALETTE)] for i, kind in enumerate(kinds)}
    width = result.size
    height = result.size + LEGEND_HEIGHT * (1 + (len(kinds) + 3) // 4)
    legend_top = result.size
    drawn_edges = [
        (by_id[e.source], by_id[e.target], e)
        for e in edges
        if e.source in by_id and e.target in by_id and e.source != e.target
    ]
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="network" role="img" '
        f'viewBox="0 0 {_f(width)} {_f(height)}" width="{_f(width)}" height="{_f(height)}" '
        f'aria-labelledby="network-title network-desc" font-family="system-ui, sans-serif">',
        f'<title id="network-title">{escape(title)}</title>',
        f'<desc id="network-desc">{escape(description)}</desc>',
        f'<circle cx="{_f(result.centre)}" cy="{_f(result.centre)}" r="{_f(result.radius)}" '
        'fill="none" stroke="#e3e7ee" stroke-width="1"/>',
        '<g class="network__edges" fill="none" stroke="#7a8699" stroke-width="1" '
        'stroke-opacity="0.55">',
    ]
    for a, b, edge in drawn_edges:
        tip = f"{a.node.label} — {edge.label} — {b.node.label}" if edge.label else ""
        path = _edge_path(a, b, result.centre)
        if tip:
            out.append(f'<path d="{path}"><title>{escape(tip)}</title></path>')
        else:
            out.append(f'<path d="{path}"/>')
    out.append("</g>")
    out.append('<g class="network__nodes" font-size="11">')
    for placed in result.placed:
        node = placed.node
        degrees = -math.degrees(placed.angle)
        # Labels on the left half are turned over so that no text reads upside down.
        left = math.cos(placed.angle) < -1e-9
        rotation = degrees + 180 if left else degrees
        offset = -(9.0) if left else 9.0
        anchor = "end" if left else "start"
        tip = " · ".join(
            part for part in (node.label, labels.get(node.kind, node.kind), node.detail) if part
        )
        r = 6 if node.is_subject else 4
        stroke = ' stroke="#1a1a1a" stroke-width="1.5"' if node.is_subject else ""
        weight = ' font-weight="600"' if node.is_subject else ""
        text_fill = "#1a1a1a" if node.is_subject else "#555555"
        group = [
            f'<g class="network__node" data-node="{escape(node.id)}">',
            f"<title>{escape(tip)}</title>",
            f'<circle cx="{_f(placed.x)}" cy="{_f(placed.y)}" r="{r}" '
            f'fill="{colour[node.kind]}"{stroke}/>',
            f'<text x="{_f(placed.x)}" y="{_f(placed.y)}" dx="{_f(offset)}" dy="3.5" '
            f'text-anchor="{anchor}" fill="{text_fill}"{weight} '
            f'transform="rotate({_f(rotation)} {_f(placed.x)} {_f(placed.y)})">'
            f"{escape(truncate(node.label))}</text>",
            "</g>",
        ]
        if node.href:
            out.append(f'<a href="{escape(node.href)}">{"".join(group)}</a>')
        else:
            out.append("".join(group))
    out.append("</g>")
    out.append(
        f'<g class="network__legend" font-size="12" transform="translate(0 {_f(legend_top)})">'
    )
    counts = {kind: sum(1 for p in result.placed if p.node.kind == kind) for kind in kinds}
    for i, kind in enumerate(kinds):
        x = MARGIN + (i % 4) * (width - 2 * MARGIN) / 4
        y = LEGEND_HEIGHT * (i // 4) + 14
        out.append(
            f'<circle cx="{_f(x + 6)}" cy="{_f(y - 4)}" r="6" fill="{colour[kind]}"/>'
            f'<text x="{_f(x + 16)}" y="{_f(y)}" fill="#1a1a1a">'
            f"{escape(labels.get(kind, kind))} ({counts[kind]})</text>"
        )
    if subject_note:
        y = LEGEND_HEIGHT * ((len(kinds) + 3) // 4) + 14
        out.append(
            f'<circle cx="{_f(MARGIN + 6)}" cy="{_f(y - 4)}" r="6" fill="#ffffff" '
            'stroke="#1a1a1a" stroke-width="1.5"/>'
            f'<text x="{_f(MARGIN + 16)}" y="{_f(y)}" fill="#1a1a1a">{escape(subject_note)}</text>'
        )
    out.append("</g></svg>")
    return "".join(out)
