"""Rule 10: gate interception. A truck whose observed dangerous goods differ from its declaration, or whose class
the gate does not allow, raises an alert and opens a case (see ingest/alerts/cases.py) with the four-step chain
port and customs share: gate warning, port verification, customs spot check, disposal."""

from __future__ import annotations

from pydantic import Field

from ingest.alerts.model import Factor, Finding, Snapshot, severity_factor
from ingest.alerts.rules.base import Rule, RuleSettings
from sql import query

FORBIDDEN = ["1.1", "1.2", "1.3", "1.5", "1.6", "7"]


class Settings(RuleSettings):
    """The classes a truck may not bring through the gate, and each case step's time limit (ingest/alerts/cases)."""

    table = "gate_case"
    forbidden_classes: list[str] = Field(default_factory=lambda: list(FORBIDDEN))
    gate_warning_min: float = Field(60, gt=0, le=10_080)
    port_verification_min: float = Field(60, gt=0, le=10_080)
    customs_check_min: float = Field(60, gt=0, le=10_080)
    disposal_min: float = Field(60, gt=0, le=10_080)


def evaluate(snap: Snapshot) -> list[Finding]:
    conf = snap.settings(Settings)
    rows = query(snap.conn, "alert_gate_transactions", {"port_id": snap.port_id, "now": snap.now,
                                                        "forbidden": list(conf.forbidden_classes)})
    out = []
    for tx, gate, direction, plate, box, passed, d_un, d_cls, o_un, o_cls, wkt in rows:
        mismatch = (o_un is not None and o_un != d_un) or (o_cls is not None and o_cls != d_cls)
        why = (f"declared UN{d_un or '—'} class {d_cls or '—'}, placard UN{o_un or '—'} class {o_cls or '—'}"
               if mismatch else f"class {o_cls or d_cls} is not allowed through {gate}")
        severity = "critical"
        factors = [severity_factor(severity), Factor("dangerous goods class", 15, why)]
        if o_cls in ("2.1", "3", "4.1", "4.2", "4.3", "5.1", "5.2") or d_cls in ("2.1", "3"):
            factors.append(Factor("ignition risk", 10, "flammable or oxidising goods"))
        zone = snap.zones.get(gate)
        out.append(
            Finding(
                rule="gate_case",
                key=f"gate_case:{tx}",
                severity=severity,
                subject_kind="gate_transaction",
                subject_id=tx,
                geom_wkt=wkt,
                evidence_at=passed,
                title_en=f"Gate interception at {zone.name_en if zone else gate}: truck {plate}, "
                f"{box or 'no container'}: {why}",
                title_zh=f"{zone.name_zh if zone else gate}拦截：车辆 {plate}，{box or '无集装箱'}，申报与实际不符",
                details={
                    "transaction_id": tx,
                    "gate_id": gate,
                    "direction": direction,
                    "truck_plate": plate,
                    "container_no": box,
                    "declared": [d_un, d_cls],
                    "observed": [o_un, o_cls],
                    "mismatch": mismatch,
                },
                factors=factors,
            )
        )
    return out


RULE = Rule("gate_case", "event", evaluate, settings=Settings)
