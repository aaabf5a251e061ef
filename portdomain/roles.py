"""Who may do what: the roles (least first), the agencies, and the permission matrix (role × action, and the
agency where it matters). The app's sign-in, the layers' minimum roles and the alert actions all read this."""

from __future__ import annotations

from typing import Any

ROLES = ("viewer", "officer", "supervisor", "admin")
AGENCIES = ("port", "customs", "border", "maritime_safety", "control_centre")
# Who may do what, by the least role; a case step is also bound to its agency (customs does the customs spot
# check), and suppressing a critical alert is a supervisor's decision.
MIN_ROLE = {"acknowledge": "officer", "suppress": "officer", "suppress_critical": "supervisor", "resolve": "officer",
            "note": "officer", "complete_step": "officer", "audit_view": "supervisor", "audit_export": "supervisor",
            "customs_details": "supervisor"}


def at_least(role: str | None, least: str) -> bool:
    """Whether a role ranks at least `least` (an unknown role ranks nowhere)."""
    return role in ROLES and ROLES.index(role) >= ROLES.index(least)


def allowed(actor: Any, action: str, *, severity: str | None = None, agency: str | None = None) -> bool:
    """The permission matrix in one place: may this actor (anything with .role and .agency) do this action?"""
    if action == "suppress" and severity == "critical":
        action = "suppress_critical"
    role = getattr(actor, "role", None)
    if action not in MIN_ROLE or role not in ROLES:
        return False
    if action == "customs_details" and getattr(actor, "agency", None) == "customs" and role != "viewer":
        return True
    if action == "complete_step" and agency is not None and getattr(actor, "agency", None) != agency:
        return False
    return at_least(role, MIN_ROLE[action])
