"""Who may do what: the roles (least first), the agencies, and the permission matrix (role × action, and the
agency where it matters). The app's sign-in, the layers' minimum roles and the alert actions all read this."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ROLES = ("viewer", "officer", "supervisor", "admin")
AGENCIES = ("port", "customs", "border", "maritime_safety", "control_centre")
# Who may do what, by the least role; a case step is also bound to its agency (customs does the customs spot
# check), and suppressing or resolving a critical alert is a supervisor's decision. An alert with an open hazmat
# case is resolved only by its case (officer_act refuses it; the case's last step resolves it).
MIN_ROLE = {"acknowledge": "officer", "suppress": "officer", "suppress_critical": "supervisor", "resolve": "officer",
            "resolve_critical": "supervisor", "note": "officer", "complete_step": "officer",
            "audit_view": "supervisor", "audit_export": "supervisor", "customs_details": "supervisor",
            "people_positions": "supervisor"}


def at_least(role: str | None, least: str) -> bool:
    """Whether a role ranks at least `least` (an unknown role ranks nowhere)."""
    return role in ROLES and ROLES.index(role) >= ROLES.index(least)


def allowed(actor: Any, action: str, *, severity: str | None = None, agency: str | None = None) -> bool:
    """The permission matrix in one place: may this actor (anything with .role and .agency) do this action?"""
    if action in ("suppress", "resolve") and severity == "critical":
        action = f"{action}_critical"
    role = getattr(actor, "role", None)
    if action not in MIN_ROLE or role not in ROLES:
        return False
    if action == "customs_details" and getattr(actor, "agency", None) == "customs" and role != "viewer":
        return True
    if action == "people_positions" and agency is not None and getattr(actor, "agency", None) == agency \
            and role != "viewer":       # a person's own agency sees its people (personal data: no one else)
        return True
    if action == "people_positions":
        return at_least(role, MIN_ROLE[action])
    if action == "complete_step" and agency is not None and getattr(actor, "agency", None) != agency:
        return False
    return at_least(role, MIN_ROLE[action])


# Columns only some may see, by the permission that opens them. One place for everything that shows a layer's
# rows: the map and the wall (their traces are shared by every officer: as the least of them, actor None), the
# layer API and its exports (as the user or token asking), the situation report (as the least).
RESTRICTED_COLUMNS = {"customs_status": "customs_details", "held": "customs_details", "flags": "customs_details"}


def hidden_columns(actor: Any) -> list[str]:
    """The restricted columns `actor` may not see (None: no one's extra rights, so all of them)."""
    return [c for c, action in RESTRICTED_COLUMNS.items() if actor is None or not allowed(actor, action)]


# Rows holding personal data (people's positions) carry the person's agency in this column: a row is kept only
# for someone allowed "people_positions" for that agency (supervisors, and the person's own agency).
PERSONAL_AGENCY = "personal_agency"


def redact(actor: Any, frame: Any) -> Any:
    """The frame (anything with .columns and .drop, e.g. a GeoDataFrame) without the columns `actor` may not see,
    nor the personal rows (None: no one's extra rights, so no personal row)."""
    hidden = [c for c in hidden_columns(actor) if c in frame.columns]
    if PERSONAL_AGENCY in frame.columns and len(frame):
        keep = [actor is not None and allowed(actor, "people_positions", agency=a) for a in frame[PERSONAL_AGENCY]]
        frame = frame[keep]
    return frame.drop(columns=hidden) if hidden else frame


def personal_agencies(actor: Any) -> tuple[str, ...]:
    """The agencies whose people `actor` may see: ("*",) for everyone's (supervisors: unregistered trackers too),
    an officer's own, else none."""
    scope = personal_scope(actor)
    return ("*",) if scope == "all" else (scope,) if scope else ()


def personal_scope(actor: Any) -> str | None:
    """Whose people an actor sees, as a key shared by everyone who sees the same: "all" (supervisors and up), the
    agency of an officer, or None (a viewer, a token, no one)."""
    role = getattr(actor, "role", None)
    if at_least(role, MIN_ROLE["people_positions"]):
        return "all"
    agency = getattr(actor, "agency", None)
    return agency if at_least(role, "officer") and agency in AGENCIES else None


@dataclass(frozen=True)
class ScopeActor:
    """The least actor of a personal scope: the map draws a scope's people once for everyone in it."""

    role: str
    agency: str


def scope_actor(scope: str | None) -> ScopeActor | None:
    if scope is None:
        return None
    return ScopeActor(MIN_ROLE["people_positions"], "") if scope == "all" else ScopeActor("officer", scope)
