"""The network drawing: deterministic, readable with many nodes, and safe to embed."""

import math
import re

from zicht.cases.network import Edge, Node, layout, render_svg, truncate

KINDS = ("person", "company", "address", "vehicle", "phone", "email", "bank_account")


def _nodes(count: int) -> list[Node]:
    return [
        Node(
            f"e{i}",
            f"Betrokkene {i:03d} met een heel lange naam",
            KINDS[i % len(KINDS)],
            i % 3 == 0,
        )
        for i in range(count)
    ]


def test_the_layout_is_deterministic_and_groups_kinds():
    nodes = _nodes(40)
    first = layout(nodes, KINDS)
    again = layout(list(reversed(nodes)), KINDS)
    assert [(p.node.id, round(p.x, 6), round(p.y, 6)) for p in first.placed] == [
        (p.node.id, round(p.x, 6), round(p.y, 6)) for p in again.placed
    ]
    kinds_in_order = [p.node.kind for p in first.placed]
    # Each kind forms one run around the circle, in the given order.
    runs = [k for i, k in enumerate(kinds_in_order) if i == 0 or kinds_in_order[i - 1] != k]
    assert runs == list(KINDS)


def test_many_nodes_stay_apart_and_inside_the_drawing():
    result = layout(_nodes(160), KINDS)
    points = [(p.x, p.y) for p in result.placed]
    closest = min(math.dist(a, b) for i, a in enumerate(points) for b in points[i + 1 :])
    assert closest >= 14.0  # room for an 11px label between neighbours
    assert all(0 < x < result.size and 0 < y < result.size for x, y in points)


def test_labels_are_truncated_and_full_names_are_in_the_tooltip():
    assert truncate("a" * 40) == "a" * 25 + "…"
    assert truncate("  kort   label ") == "kort label"
    svg = render_svg(_nodes(3), [], title="Netwerk")
    assert "Betrokkene 000 met een he…" in svg
    assert "<title>Betrokkene 000 met een heel lange naam · person</title>" in svg


def test_every_text_is_escaped():
    evil = Node(
        "e1", '<script>alert("x")</script>', "company", True, detail="<b>rol</b>", href="/x?a=1&b=2"
    )
    svg = render_svg(
        [evil, Node("e2", "B & co", "person")], [Edge("e1", "e2", "<werkt>")], title="<t>"
    )
    assert "<script>" not in svg
    assert "<b>" not in svg
    assert "<werkt>" not in svg
    assert "<t>" not in svg
    assert "&lt;script&gt;" in svg
    assert "B &amp; co" in svg
    assert 'href="/x?a=1&amp;b=2"' in svg


def test_edges_only_between_drawn_nodes():
    nodes = _nodes(4)
    svg = render_svg(
        nodes, [Edge("e0", "e1", "werkt voor"), Edge("e0", "e9"), Edge("e2", "e2")], title="t"
    )
    assert len(re.findall(r"<path ", svg)) == 1
    assert "werkt voor" in svg


def test_labels_on_the_left_are_turned_over():
    svg = render_svg(_nodes(12), [], title="t")
    anchors = re.findall(r'text-anchor="(start|end)"', svg)
    assert "start" in anchors
    assert "end" in anchors
