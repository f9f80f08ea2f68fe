"""Which nodes and relations the network view of a case shows (the Django side of network.py).

Subjects of the case are the nodes; their relations in the register are the edges. Users who
may read the register (``register.view_entity``) also see the entities one relation away that
are not in the case, marked as such: that is where an analyst finds the next lead. Partner
users see the subjects and the relations among them only.
"""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from zicht.cases.models import Case, CaseSubject
from zicht.cases.network import Edge, Node, render_svg
from zicht.register.models import EntityKind, EntityRelation, RelationType

# Beyond this many nodes the neighbours are left out (subjects always stay).
MAX_NODES = 400
KIND_ORDER = tuple(EntityKind.values)


def case_graph(
    case: Case, *, with_neighbours: bool, link_entities: bool
) -> tuple[list[Node], list[Edge], int]:
    """(nodes, edges, number of neighbours left out)."""
    roles: dict[int, list[str]] = {}
    entities = {}
    for subject in CaseSubject.objects.filter(case=case).select_related("entity", "role_type"):
        entities[subject.entity_id] = subject.entity
        roles.setdefault(subject.entity_id, []).append(subject.role_type.name)
    relation_filter = Q(source_id__in=entities) | Q(target_id__in=entities)
    if not with_neighbours:
        relation_filter = Q(source_id__in=entities) & Q(target_id__in=entities)
    relations = list(
        EntityRelation.objects.filter(relation_filter)
        .select_related("source", "target")
        .order_by("id")
    )
    neighbours = {}
    for relation in relations:
        for entity in (relation.source, relation.target):
            if entity.pk not in entities and entity.merged_into_id is None:
                neighbours[entity.pk] = entity
    room = max(0, MAX_NODES - len(entities))
    kept = dict(sorted(neighbours.items())[:room])
    omitted = len(neighbours) - len(kept)

    def href(entity_id: int) -> str:
        return reverse("register:entity-detail", args=[entity_id]) if link_entities else ""

    nodes = [
        Node(f"e{pk}", e.label, e.kind, True, ", ".join(sorted(set(roles[pk]))), href(pk))
        for pk, e in entities.items()
    ]
    nodes += [
        Node(f"e{pk}", e.label, e.kind, False, _("niet in de casus"), href(pk))
        for pk, e in kept.items()
    ]
    present = set(entities) | set(kept)
    edges = [
        Edge(f"e{r.source_id}", f"e{r.target_id}", str(RelationType(r.type).label))
        for r in relations
        if r.source_id in present and r.target_id in present
    ]
    return nodes, edges, omitted


def case_network_svg(case: Case, *, with_neighbours: bool, link_entities: bool) -> tuple[str, int]:
    nodes, edges, omitted = case_graph(
        case, with_neighbours=with_neighbours, link_entities=link_entities
    )
    if not nodes:
        return "", 0
    svg = render_svg(
        nodes,
        edges,
        title=_("Netwerk van casus %(ref)s") % {"ref": case.reference},
        description=_("%(n)d betrokkenen en %(m)d relaties") % {"n": len(nodes), "m": len(edges)},
        kind_labels={k: str(v) for k, v in EntityKind.choices},
        kind_order=KIND_ORDER,
        subject_note=_("omrande punten: betrokkenen in de casus") if with_neighbours else "",
    )
    return svg, omitted
