"""Feed health: a live feed (feed_status.live, as the source registry declares it: the AIS listeners and the
stations behind them, a radar) silent for longer than the port allows. One alert per feed; it clears when the
feed speaks again."""

from __future__ import annotations

from pydantic import Field

from ingest.alerts.model import Factor, Finding, Snapshot, severity_factor
from ingest.alerts.rules.base import Rule, RuleSettings

FORGOTTEN_S = 24 * 3600


class Settings(RuleSettings):
    table = "feed_health"
    silent_s: float = Field(120, gt=0, le=86400)     # a live feed silent this long is an outage


def evaluate(snap: Snapshot) -> list[Finding]:
    silent_s = snap.settings(Settings).silent_s
    f = snap.feeds
    out = []
    for r in f[f["live"].astype(bool) & (f["age_s"] > silent_s) & (f["age_s"] < FORGOTTEN_S)].itertuples():
        severity = "warning"
        out.append(
            Finding(
                rule="feed_health",
                key=f"feed_health:{r.source}",
                severity=severity,
                subject_kind="feed",
                subject_id=r.source,
                geom_wkt=None,
                evidence_at=r.last_message_at,
                title_en=f"Feed {r.source} silent for {r.age_s / 60:.0f} min",
                title_zh=f"数据源 {r.source} 已 {r.age_s / 60:.0f} 分钟无数据",
                details={
                    "source": r.source,
                    "silent_s": round(r.age_s),
                    "last_message_at": r.last_message_at.isoformat(),
                },
                factors=[
                    severity_factor(severity),
                    Factor("blind spot", 20, "vessels only this feed hears are not seen"),
                ],
            )
        )
    return out


RULE = Rule("feed_health", "state", evaluate, settings=Settings)
