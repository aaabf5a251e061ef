"""Rule 7: a vessel inside the port's waters silent for more than N minutes while the feed that heard her is
healthy. When the feed itself is silent, that is one feed alert (feed_health), not a dark vessel each."""

from __future__ import annotations

from pydantic import Field

from ingest.alerts.model import Factor, Finding, Snapshot, severity_factor
from ingest.alerts.rules import feed_health
from ingest.alerts.rules.base import Rule, RuleSettings

WATERS = ("harbour", "basin", "channel", "anchorage", "restricted")


class Settings(RuleSettings):
    table = "dark_vessel"
    silent_min: float = Field(10, gt=0, le=24 * 60)     # a vessel under way unheard this long while the feed speaks


def healthy_feeds(snap: Snapshot) -> dict[str, float]:
    """Healthy feeds -> since when (epoch seconds) they have been healthy, as far as this engine has seen.
    A vessel's silence is counted from the later of her last report and her feed's recovery: after an
    outage every vessel needs one reporting interval to be heard again, and is not dark meanwhile."""
    silent_s = snap.settings(feed_health.Settings).silent_s
    f = snap.feeds
    healthy = set(f[(f["age_s"].notna()) & (f["age_s"] <= silent_s)]["source"])
    since: dict[str, float] = snap.memory.setdefault("feeds_healthy_since", {})
    now = snap.now.timestamp()
    for source in list(since):
        if source not in healthy:
            del since[source]
    for source in healthy:
        since.setdefault(source, 0.0 if not snap.memory.get("feeds_seen") else now)
    snap.memory["feeds_seen"] = True
    return since


def evaluate(snap: Snapshot) -> list[Finding]:
    silent_min = snap.settings(Settings).silent_min
    healthy = healthy_feeds(snap)
    if not healthy:
        return []                        # every feed silent (or none known): no vessel is dark, the feeds are
    v = snap.vessels
    quiet = v[v["age_s"] > silent_min * 60]
    inside = snap.inside(WATERS, quiet["x"].to_numpy(), quiet["y"].to_numpy())
    out = []
    now = snap.now.timestamp()
    for r in quiet[inside].itertuples():
        if r.source not in healthy:
            continue                     # her receiver is silent too: that is the feed's alert
        if now - max(r.observed_at.timestamp(), healthy[r.source]) <= silent_min * 60:
            continue                     # her feed came back only lately: give her time to be heard
        severity = "warning"
        minutes = r.age_s / 60
        factors = [severity_factor(severity),
                   Factor("vessel behaviour", round(min(25.0, minutes), 1), f"silent for {minutes:.0f} min")]
        if r.ship_type == r.ship_type and 80 <= (r.ship_type or 0) <= 89:
            factors.append(Factor("dangerous goods", 15, "a tanker"))
        name = r.name or str(r.mmsi)
        out.append(
            Finding(
                rule="dark_vessel",
                key=f"dark_vessel:{r.mmsi}",
                severity=severity,
                subject_kind="vessel",
                subject_id=str(r.mmsi),
                geom_wkt=snap.point_wkt(r.lon, r.lat),
                evidence_at=r.observed_at,
                title_en=f"{name} silent for {minutes:.0f} min inside the port",
                title_zh=f"{name} 在港内 {minutes:.0f} 分钟无 AIS 信号",
                details={
                    "mmsi": r.mmsi,
                    "silent_s": round(r.age_s),
                    "source": r.source,
                    "last_seen": r.observed_at.isoformat(),
                },
                factors=factors,
            )
        )
    return out


RULE = Rule("dark_vessel", "state", evaluate, settings=Settings, scope="vessel",
            ages_s=lambda snap: [snap.settings(Settings).silent_min * 60])
