"""Facts the tests state for themselves, not taken from the code under test."""

from __future__ import annotations

from cpip_dashboard.store.areas import SCOTLAND
from cpip_dashboard.store.reference import read_csv


def area_equations() -> list[tuple[str, list[str]]]:
    """Scotland = its 32 councils = its 30 committees; each committee = its councils, read
    from the reference file of councils (`cpc_id` of each council)."""
    councils = read_csv("local_authorities.csv")
    by_cpc: dict[str, list[str]] = {}
    for row in councils:
        by_cpc.setdefault(row["cpc_id"], []).append(row["gss_code"])
    result = [(SCOTLAND, [r["gss_code"] for r in councils]), (SCOTLAND, sorted(by_cpc))]
    return result + sorted(by_cpc.items())
