"""Feed health: a live feed (feed_status.live, as the source registry declares it: the AIS listeners and the
stations behind them, a radar) silent for longer than the port allows. One alert per feed; it clears when the
feed speaks again."""

from __future__ import annotations

from ingest.alerts.model import Factor, Finding, Snapshot, severity_factor
from ingest.alerts.rules.base import Rule

FORGOTTEN_S = 24 * 3600


def evaluate(snap: Snapshot) -> list[Finding]:
    silent_s = float(snap.conf("feed_health").get("silent_s", 120))
    f = snap.feeds
    out = []
    for r in f[f["live"].astype(bool) & (f["age_s"] > silent_s) & (f["age_s"] < FORGOTTEN_S)].itertuples():
        severity = "warning"
        out.append(Finding(
            "feed_health", f"feed_health:{r.source}", severity, "feed", r.source, None, r.last_message_at,
            f"Feed {r.source} silent for {r.age_s / 60:.0f} min", f"数据源 {r.source} 已 {r.age_s / 60:.0f} 分钟无数据",
            {"source": r.source, "silent_s": round(r.age_s), "last_message_at": r.last_message_at.isoformat()},
            [severity_factor(severity), Factor("blind spot", 20, "vessels only this feed hears are not seen")]))
    return out


RULE = Rule("feed_health", "state", evaluate)
