"""The port's alerts as OASIS CAP 1.2 messages and as an Atom feed of them (`/api/v1/cap.atom`), for a national
warning system or another agency's system to poll. One message per alert and state: its identifier names the
alert and its latest state change; a message after the raise is an Update that references the raise's; a resolved
alert's is an All Clear. Scope Restricted: the port's partner agencies."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import UTC, datetime
from typing import Any

CAP = "urn:oasis:names:tc:emergency:cap:1.2"
ATOM = "http://www.w3.org/2005/Atom"
CAP_TYPE = "application/cap+xml"
ET.register_namespace("", ATOM)
ET.register_namespace("cap", CAP)
SEVERITY = {"critical": "Severe", "warning": "Moderate", "info": "Minor"}
CATEGORY = {"fire_near_dg": "Fire", "dg_segregation": "Safety", "gate_case": "Safety",
            "restricted_entry": "Security", "restricted_entry_camera": "Security", "dark_vessel": "Security",
            "unauthorised_anchoring": "Security", "feed_health": "Infra"}           # the rest: Transport
STATE_ZH = {"open": "未处理", "acknowledged": "已确认", "suppressed": "已抑制", "resolved": "已解除"}
COLUMNS = ("alert_id", "rule", "severity", "state", "title_en", "title_zh", "subject_kind", "subject_id", "score",
           "first_id", "first_at", "last_id", "last_action", "last_at", "lat", "lon", "name_en", "name_zh")


def cap_time(when: datetime) -> str:
    """CAP's dateTime: seconds, and the offset written out (no Z, no fractions)."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def _sub(parent: ET.Element, tag: str, text: Any = None) -> ET.Element:
    el = ET.SubElement(parent, f"{{{CAP}}}{tag}")
    if text is not None:
        el.text = str(text)
    return el


def sender(port_id: str) -> str:
    return f"port-one-map.{port_id}"


def identifier(port_id: str, alert_id: int, action_id: int) -> str:
    return f"portmap-{port_id}-alert-{alert_id}-{action_id}"


def message(row: dict[str, Any], port_id: str) -> ET.Element:
    """One alert in its latest state as a CAP 1.2 <alert>."""
    alert = ET.Element(f"{{{CAP}}}alert")
    _sub(alert, "identifier", identifier(port_id, row["alert_id"], row["last_id"]))
    _sub(alert, "sender", sender(port_id))
    _sub(alert, "sent", cap_time(row["last_at"]))
    _sub(alert, "status", "Actual")
    _sub(alert, "msgType", "Alert" if row["last_id"] == row["first_id"] else "Update")
    _sub(alert, "source", f"Port One-Map alert engine, rule {row['rule']}")
    _sub(alert, "scope", "Restricted")
    _sub(alert, "restriction", "the port's partner agencies: port authority, customs, border police, maritime safety")
    if row["last_id"] != row["first_id"]:
        first = identifier(port_id, row["alert_id"], row["first_id"])
        _sub(alert, "references", f"{sender(port_id)},{first},{cap_time(row['first_at'])}")
    _sub(alert, "incidents", f"portmap-{port_id}-alert-{row['alert_id']}")
    for lang in ("en", "zh"):
        _info(alert, row, lang)
    return alert


def _info(alert: ET.Element, row: dict[str, Any], lang: str) -> None:
    zh = lang == "zh"
    resolved = row["state"] == "resolved"
    info = _sub(alert, "info")
    _sub(info, "language", "zh-CN" if zh else "en-US")
    _sub(info, "category", CATEGORY.get(row["rule"], "Transport"))
    _sub(info, "event", row["rule"].replace("_", " "))
    _sub(info, "responseType", "AllClear" if resolved else "Monitor")
    _sub(info, "urgency", "Past" if resolved else "Immediate" if row["severity"] == "critical" else "Expected")
    _sub(info, "severity", SEVERITY.get(row["severity"], "Unknown"))
    _sub(info, "certainty", "Observed")
    code = _sub(info, "eventCode")
    _sub(code, "valueName", "portmap:rule")
    _sub(code, "value", row["rule"])
    _sub(info, "senderName", f"Port One-Map, {row['name_zh'] if zh else row['name_en']}")
    title = row["title_zh"] if zh else row["title_en"]
    _sub(info, "headline", title[:160])
    state = STATE_ZH.get(row["state"], row["state"]) if zh else row["state"]
    _sub(info, "description", f"{title} ({'状态' if zh else 'state'}: {state}; "
                              f"{row['subject_kind']} {row['subject_id']})")
    for name, value in (("state", row["state"]), ("score", row["score"]), ("subject", row["subject_kind"])):
        if value is not None:
            param = _sub(info, "parameter")
            _sub(param, "valueName", f"portmap:{name}")
            _sub(param, "value", value)
    if row["lat"] is not None:
        area = _sub(info, "area")
        _sub(area, "areaDesc", f"{row['name_zh'] if zh else row['name_en']} {row['lat']:.5f},{row['lon']:.5f}")
        _sub(area, "circle", f"{row['lat']:.6f},{row['lon']:.6f} 0.2")


def document(row: dict[str, Any], port_id: str) -> bytes:
    return ET.tostring(message(row, port_id), encoding="utf-8", xml_declaration=True)


def feed(rows: list[dict[str, Any]], port_id: str, base: str, now: datetime) -> bytes:
    """An Atom feed with one entry per alert: its CAP message inline, and linked."""
    top = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(top, f"{{{ATOM}}}id").text = f"urn:portmap:{port_id}:cap"
    name = rows[0]["name_en"] if rows else port_id
    ET.SubElement(top, f"{{{ATOM}}}title").text = f"Port One-Map, {name}: alerts (CAP 1.2)"
    newest = max((r["last_at"] for r in rows), default=now)
    ET.SubElement(top, f"{{{ATOM}}}updated").text = newest.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    ET.SubElement(top, f"{{{ATOM}}}link", rel="self", type="application/atom+xml", href=f"{base}/api/v1/cap.atom")
    author = ET.SubElement(top, f"{{{ATOM}}}author")
    ET.SubElement(author, f"{{{ATOM}}}name").text = "Port One-Map"
    for row in rows:
        entry = ET.SubElement(top, f"{{{ATOM}}}entry")
        ET.SubElement(entry, f"{{{ATOM}}}id").text = (
            f"urn:portmap:{identifier(port_id, row['alert_id'], row['last_id'])}")
        ET.SubElement(entry, f"{{{ATOM}}}title").text = f"{SEVERITY.get(row['severity'])}: {row['title_en']}"
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = row["last_at"].astimezone(UTC).strftime(
            "%Y-%m-%dT%H:%M:%SZ")
        ET.SubElement(entry, f"{{{ATOM}}}link", rel="alternate", type=CAP_TYPE,
                      href=f"{base}/api/v1/cap/{row['alert_id']}.xml")
        content = ET.SubElement(entry, f"{{{ATOM}}}content", type=CAP_TYPE)
        content.append(message(row, port_id))
    return ET.tostring(top, encoding="utf-8", xml_declaration=True)
