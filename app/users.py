"""`python -m app.users`: add, disable, enable and reset officers' accounts.

    python -m app.users add NAME --role officer --agency customs [--display "Li Wei"] [--password-stdin]
    python -m app.users disable NAME | enable NAME | reset NAME [--password-stdin]
    python -m app.users list
    python -m app.users demo      # the demo's officers (one per agency and role), a password each
    python -m app.users token add NAME --kind api|wall --agency port   # a read-only access token, shown once
    python -m app.users token revoke NAME | token list

Without --password-stdin a password is generated and printed once. Disabling or resetting ends the user's
sessions at once. The demo accounts get a random password each, per install: printed once, when made, and kept
in .data/secrets/demo-accounts (mode 0600, root only: `make demo` and the tests read them there).
"""

from __future__ import annotations

import argparse
import getpass
import secrets
import sys
from pathlib import Path
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
from portdomain.secrets import secrets_dir
from sql.db import connect, query

# A real deployment adds its own users; the demo's have a password each, made at install (demo_accounts).
DEMO_USERS = {"duty": ("officer", "port", "Duty officer (demo)"),
              "customs": ("officer", "customs", "Customs officer (demo)"),
              "border": ("officer", "border", "Border officer (demo)"),
              "msa": ("officer", "maritime_safety", "Maritime safety officer (demo)"),
              "supervisor": ("supervisor", "port", "Shift supervisor (demo)"),
              "wall": ("viewer", "control_centre", "Control centre (demo)")}


def demo_accounts_file() -> Path:
    return secrets_dir() / "demo-accounts"


def demo_passwords(path: Path | None = None) -> dict[str, str]:
    """The demo accounts' passwords as made at install (`user password` lines); empty before."""
    path = path or demo_accounts_file()
    if not path.is_file():
        return {}
    return dict(line.split(" ", 1) for line in path.read_text(encoding="utf-8").splitlines() if " " in line)


def demo_accounts(conn: Any, path: Path | None = None) -> dict[str, str]:
    """Make the demo accounts that are missing, each with a new random password kept in the secrets file;
    an account of an older install (whose password is not in the file: the one shared password) gets a new
    one. Returns the passwords made now (to print once); the others stay as they were."""
    path = path or demo_accounts_file()
    known = demo_passwords(path)
    existing = {r[0] for r in query(conn, "user_list", {})}
    made: dict[str, str] = {}
    for name, (role, agency, display) in DEMO_USERS.items():
        if name in existing and name in known:
            continue
        password = secrets.token_urlsafe(12)
        if name in existing:
            reset_password(conn, name, password)
        else:
            add_user(conn, name, display, role, agency, password)
        made[name] = password
    if made:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        path.touch(mode=0o600, exist_ok=True)
        path.chmod(0o600)
        lines = {**known, **made}
        path.write_text("".join(f"{n} {p}\n" for n, p in lines.items()), encoding="utf-8")
    return made


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
                made = demo_accounts(conn)
                print("demo logins: " + ", ".join(
                    f"{n} ({r}, {a})" + (f" password {made[n]}" if n in made else "")
                    for n, (r, a, _) in DEMO_USERS.items()))
                print(("these passwords are shown only now; " if made else "")
                      + f"they are kept in {demo_accounts_file()} (root only)")
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
