"""Secrets never printed or stored: URL redaction, safe excerpts, stored error messages."""
from __future__ import annotations

from sfmbench.redact import excerpt, redact_text, redact_url, safe_message
from sfmbench.results import ResultRow
from sfmbench.store import Store


def test_redact_url_hides_password_and_secret_query_values():
    url = "postgresql+psycopg://bench:pa55w0rd@db.example:5432/sfm?sslmode=require&password=x1"
    out = redact_url(url)
    assert "pa55w0rd" not in out and "x1" not in out and "bench:***@db.example" in out
    assert "sslmode=require" in out
    assert "tok123" not in redact_url("https://example.org/f.zip?token=tok123&id=7")
    assert redact_url("not a url at all") == "not a url at all"


def test_redact_text_masks_every_url_in_a_message():
    msg = ("could not connect to mysql://u:hunter2@h/db; retry via "
           "redis://:s3cret@cache:6379/0 or https://x.org/?api_key=abc")
    out = redact_text(msg)
    assert "hunter2" not in out and "s3cret" not in out and "abc" not in out
    assert "mysql://u:***@h/db" in out


def test_excerpt_is_short_single_line_and_printable():
    assert excerpt("a" * 100, 10) == repr("a" * 10 + "...")
    assert excerpt("first\nSECOND") == repr("first...")
    assert excerpt("x\x00y") == repr("x?y")


def test_stored_error_is_redacted_and_clean(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'r.db'}")
    row = ResultRow(job_key="k", task="t", model="m", kind="baseline", seed=0, budget="smoke",
                    status="failed",
                    error="StorageError: postgresql://u:topsecret@h/db\x00 failed " + "z" * 9000)
    store.add(row)
    (stored,) = store.rows()
    assert "topsecret" not in stored["error"] and "\x00" not in stored["error"]
    assert len(stored["error"]) <= 4000
    assert "topsecret" not in safe_message("x postgresql://u:topsecret@h/db")


def test_failed_row_with_nul_bytes_is_stored_on_postgres(postgres_url):
    """The error of a job on /proc/self/environ once held NUL bytes, which PostgreSQL refuses
    (and the failed row was lost); stored errors are cleaned first."""
    store = Store(postgres_url)
    store.add(ResultRow(job_key="k", task="t", model="m", kind="baseline", seed=0,
                        budget="smoke", status="failed", error="DataError: a\x00b\x01c"))
    (row,) = store.rows()
    assert row["status"] == "failed" and row["error"] == "DataError: a?b?c"
