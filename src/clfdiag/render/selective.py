"""The selective-prediction blocks that the evaluate and ood documents share."""

from __future__ import annotations

from typing import Any

from clfdiag.render import text as t
from clfdiag.render.document import (
    Block,
    Figure,
    Heading,
    Table,
)


def selective_blocks(section: dict[str, Any] | None, title: str) -> list[Block]:
    """The risk-coverage summary: AUROC of correct vs wrong, the areas, risk at each coverage."""
    if not section or section["aurc"] is None:
        return []
    rows = [["AUROC (correct vs wrong)", t.fmt(section["auroc"])],
            ["AURC", t.fmt(section["aurc"])], ["E-AURC", t.fmt(section["e_aurc"])],
            ["AUGRC", t.fmt(section["augrc"])]]
    at = section["risk_at_coverage"]
    if at:
        rows.append(["risk at coverage " + "/".join(f"{100 * r['target']:g}" for r in at) + "%",
                     " / ".join(t.fmt(r["risk"]) for r in at)])
    at_risk = section["coverage_at_risk"]
    if at_risk is not None:
        rows.append([f"coverage at risk <= {t.fmt(at_risk['target'])}",
                     "not reached" if at_risk["coverage"] is None
                     else f"{t.pct(at_risk['coverage'])} (risk {t.fmt(at_risk['risk'])})"])
    return [Heading(title), Table(["selective prediction", "value"], rows),
            Figure("risk_coverage")]
