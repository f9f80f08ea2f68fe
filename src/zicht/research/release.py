"""From the aggregated total to what may be published: DP noise, suppression, method statement.

Pure Python (no Django): the hub calls :func:`build_release` with the exact totals of an
aggregated run; nothing else of the totals is ever stored. Order matters:

1. **Differential privacy** (if the study chose an epsilon): discrete Laplace noise on every
   cell of the total (:func:`zicht.research.protocols.dp.add_noise`), calibrated to the most
   cells one counted record can touch (:func:`l1_sensitivity`).
2. **Small-cell suppression** on the (noisy) table with the study's k
   (:func:`zicht.disclosure.protect`): cells below k and enough others that none can be
   recomputed from the margins. After noise this is post-processing and costs no privacy.

The published table is a JSON document: the dimensions with their category codes and labels,
and every entry of the extended table (cells and margins) as a number or a marker string.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from zicht.disclosure.protect import protect
from zicht.disclosure.published import ProtectedTable
from zicht.disclosure.table import TOTAL, Dimension, Table
from zicht.research.protocols import dp
from zicht.research.study import StudySpec


def l1_sensitivity(spec: StudySpec, participants: int) -> int:
    """How much the summed table can change in L1 when one unit is added or removed.

    The unit protected is one signal, case, intervention or person. Within one region's table
    a record adds at most 1 per cell, and to at most one cell per single-valued dimension
    (:meth:`StudySpec.contribution_bound`). A signal, case or intervention belongs to one
    region; the same *person* may be known to several RIECs, so for the entities metric the
    bound is multiplied by the number of participating regions (spec §10: ``Δ = c·r``).
    """
    regions = participants if spec.metric == "entities" else 1
    return spec.contribution_bound() * regions


def expected_accuracy(spec: StudySpec, participants: int) -> float | None:
    """With DP: the half-width within which a released cell lies with 95% probability.

    Shown on the study page and to the stewards before they decide, because a breakdown with
    many multi-valued categories can drown every figure in noise.
    """
    if spec.epsilon is None:
        return None
    return dp.accuracy(
        epsilon=float(spec.epsilon), l1_sensitivity=l1_sensitivity(spec, participants)
    )


@dataclass(frozen=True)
class ReleasedTable:
    table: dict[str, Any]  # JSON document, see module docstring
    method: list[str]  # Dutch, one sentence per item
    suppressed: int
    unprotected: int  # entries suppression could not protect: then nothing may be released


def _disclosure_table(spec: StudySpec, totals: Sequence[int]) -> Table:
    dimensions = tuple(
        Dimension(d.code, tuple(c.code for c in d.categories)) for d in spec.dimensions
    )
    cells = spec.cells()
    if len(cells) != len(totals):
        raise ValueError(f"{len(totals)} totals for {len(cells)} cells")
    return Table(dimensions, dict(zip(cells, totals, strict=True)))


def protected_document(spec: StudySpec, protected: ProtectedTable) -> dict[str, Any]:
    """The JSON form of a protected table: dimensions and every entry (None = total)."""
    entries = []
    for key, value in protected.entries.items():
        coordinates = [None if c is TOTAL else str(c) for c in key]
        entries.append([coordinates, value if isinstance(value, int) else str(value)])
    return {
        "metric": spec.metric,
        "dimensions": [
            {"code": d.code, "categories": [[c.code, c.label] for c in d.categories]}
            for d in spec.dimensions
        ],
        "entries": entries,
        "k": protected.k,
    }


def check_document(spec: StudySpec, document: object) -> str:
    """Why ``document`` is not a protected table of ``spec`` ("" if it is one).

    The hub checks a region's own column with this before keeping it: the right shape, and
    no published figure below the study's k (only markers there).
    """
    if not isinstance(document, dict):
        return "geen tabel"
    expected = protected_document(spec, protect_table(spec, [spec.min_cell] * spec.cell_count()))
    if set(document) != set(expected) or document.get("dimensions") != expected["dimensions"]:
        return "andere indeling"
    if document.get("metric") != spec.metric or document.get("k") != spec.min_cell:
        return "andere telling of drempel"
    entries = document.get("entries")
    if not isinstance(entries, list) or len(entries) != len(expected["entries"]):
        return "ander aantal cellen"
    for got, want in zip(entries, expected["entries"], strict=True):
        if not isinstance(got, list) or len(got) != 2 or got[0] != want[0]:
            return "andere cellen"
        value = got[1]
        if isinstance(value, bool) or not isinstance(value, int | str):
            return "ongeldige waarde"
        if isinstance(value, int) and 0 < value < spec.min_cell:
            return f"een waarde onder {spec.min_cell}"
    return ""


def protect_table(spec: StudySpec, values: Sequence[int]) -> ProtectedTable:
    """``values`` (in ``spec.cells()`` order) with the study's small-cell suppression."""
    return protect(_disclosure_table(spec, values), k=spec.min_cell)


def build_release(
    spec: StudySpec,
    totals: Sequence[int],
    *,
    participants: Sequence[str],
    left_out: Mapping[str, str],
    region_names: Mapping[str, str],
) -> ReleasedTable:
    """The publishable form of an aggregated run's ``totals``."""
    values = list(totals)
    method: list[str] = []
    names = ", ".join(region_names.get(r, r) for r in participants)
    method.append(
        f"De cijfers zijn de som over {len(participants)} regio's ({names}). Die som is "
        "berekend met secure aggregation: geen regio en ook de hub heeft de tabel van een "
        "afzonderlijke regio gezien."
    )
    if left_out:
        reasons = "; ".join(
            f"{region_names.get(r, r)}: {why}" for r, why in sorted(left_out.items())
        )
        method.append(f"Niet in de som: {reasons}.")
    if spec.epsilon is not None:
        epsilon = float(spec.epsilon)
        sensitivity = l1_sensitivity(spec, len(participants))
        values = dp.add_noise(values, epsilon=epsilon, l1_sensitivity=sensitivity)
        half_width = dp.accuracy(epsilon=epsilon, l1_sensitivity=sensitivity)
        method.append(
            f"Differential privacy: op elke cel is ruis gezet (discrete Laplace, epsilon "
            f"{_decimal_text(spec.epsilon)}, gevoeligheid {sensitivity}); met 95% zekerheid "
            f"wijkt een cel niet meer dan {half_width:.0f} af van de werkelijke som. "
            "Negatieve uitkomsten zijn op 0 gezet."
        )
    protected = protect_table(spec, values)
    method.append(protected.method)
    return ReleasedTable(
        table=protected_document(spec, protected),
        method=method,
        suppressed=len(protected.suppressed),
        unprotected=len(protected.unprotected),
    )


def _decimal_text(value: Decimal) -> str:
    return format(value.normalize(), "f").replace(".", ",")
