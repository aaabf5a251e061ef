"""`python -m app.users`: add, disable, enable and reset officers' accounts.

    python -m app.users add NAME --role officer --agency customs [--display "Li Wei"] [--password-stdin]
    python -m app.users disable NAME | enable NAME | reset NAME [--password-stdin]
    python -m app.users list
    python -m app.users demo      # the demo's officers (one per agency and role), password DEMO_PASSWORD
    python -m app.users token add NAME --kind api|wall --agency port   # a read-only access token, shown once
    python -m app.users token revoke NAME | token list

Without --password-stdin a password is generated and printed once. Disabling or resetting ends the user's
sessions at once.
"""

from __future__ import annotations

import argparse
import getpass
import secrets
import sys
from typing import Any

from app.auth import (
    AGENCIES,
    ROLES,
    TOKEN_KINDS,
    AuthError,
    add_token,
    add_user,
    reset_password,
    revoke_token,
    set_disabled,
)
from sql.db import connect, query

DEMO_PASSWORD = "portmap-demo"     # printed by `make demo`; a real deployment adds its own users
DEMO_USERS = {"duty": ("officer", "port", "Duty officer (demo)"),
              "customs": ("officer", "customs", "Customs officer (demo)"),
              "border": ("officer", "border", "Border officer (demo)"),
              "msa": ("officer", "maritime_safety", "Maritime safety officer (demo)"),
              "supervisor": ("supervisor", "port", "Shift supervisor (demo)"),
              "wall": ("viewer", "control_centre", "Control centre (demo)")}


def _password(from_stdin: bool) -> tuple[str, bool]:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n"), False
    return secrets.token_urlsafe(12), True


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m app.users", description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    add = sub.add_parser("add")
    add.add_argument("name")
    add.add_argument("--role", choices=ROLES, required=True)
    add.add_argument("--agency", choices=AGENCIES, required=True)
    add.add_argument("--display")
    add.add_argument("--password-stdin", action="store_true")
    for cmd in ("disable", "enable"):
        sub.add_parser(cmd).add_argument("name")
    reset = sub.add_parser("reset")
    reset.add_argument("name")
    reset.add_argument("--password-stdin", action="store_true")
    sub.add_parser("list")
    sub.add_parser("demo")
    token = sub.add_parser("token").add_subparsers(dest="token_cmd", required=True)
    token_add = token.add_parser("add")
    token_add.add_argument("name")
    token_add.add_argument("--kind", choices=TOKEN_KINDS, required=True)
    token_add.add_argument("--agency", choices=AGENCIES, default="control_centre")
    token.add_parser("revoke").add_argument("name")
    token.add_parser("list")
    a = p.parse_args(argv)
    with connect(autocommit=True, role="app") as conn:
        try:
            if a.cmd == "add":
                password, show = _password(a.password_stdin)
                add_user(conn, a.name, a.display or a.name, a.role, a.agency, password)
                print(f"added {a.name} ({a.role}, {a.agency})" + (f"; password: {password}" if show else ""))
            elif a.cmd in ("disable", "enable"):
                set_disabled(conn, a.name, a.cmd == "disable")
                print(f"{a.cmd}d {a.name}")
            elif a.cmd == "reset":
                password, show = _password(a.password_stdin)
                reset_password(conn, a.name, password)
                print(f"reset {a.name}" + (f"; password: {password}" if show else ""))
            elif a.cmd == "demo":
                names = {r[0] for r in query(conn, "user_list", {})}
                for name, (role, agency, display) in DEMO_USERS.items():
                    if name not in names:
                        add_user(conn, name, display, role, agency, DEMO_PASSWORD)
                print("demo logins (password " + DEMO_PASSWORD + "): "
                      + ", ".join(f"{n} ({r}, {a})" for n, (r, a, _) in DEMO_USERS.items()))
                wall = add_token(conn, f"demo-wall-{secrets.token_hex(3)}", "wall", "control_centre", "make demo")
                print(f"the control-centre wall (a read-only token, new each time): /wall?token={wall}")
            elif a.cmd == "token":
                _token(conn, a)
            else:
                for row in query(conn, "user_list", {}):
                    print(f"{row[0]:20} {row[1]:10} {row[2]:16} {'disabled' if row[3] else ''}")
        except AuthError as err:
            print(f"refused: {err}", file=sys.stderr)
            return 2
    return 0


def _token(conn: Any, a: argparse.Namespace) -> None:
    if a.token_cmd == "add":
        secret = add_token(conn, a.name, a.kind, a.agency, created_by=f"cli:{getpass.getuser()}")
        print(f"token {a.name} ({a.kind}, {a.agency}), shown only now: {secret}")
    elif a.token_cmd == "revoke":
        revoke_token(conn, a.name)
        print(f"revoked {a.name}")
    else:
        for name, kind, agency, by, created, revoked, used in query(conn, "token_list", {}):
            print(f"{name:20} {kind:5} {agency:16} by {by} {created:%Y-%m-%d}"
                  + (f" revoked {revoked:%Y-%m-%d}" if revoked else "")
                  + (f" used {used:%Y-%m-%d %H:%M}" if used else ""))


if __name__ == "__main__":
    sys.exit(main())
