"""bench/download.py against a real HTTP server on 127.0.0.1 (with Range support written here)."""
from __future__ import annotations

import hashlib
import re
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from sfmbench.download import data_root, ensure_file, fetch, sha256sum
from sfmbench.errors import DataError

BODY = bytes(range(256)) * 4096  # 1 MiB of known bytes
SHA = hashlib.sha256(BODY).hexdigest()


@dataclass
class ServerState:
    """What the handler serves and how it misbehaves; it records every request's Range."""

    files: dict[str, bytes] = field(default_factory=dict)
    truncate_first: set[str] = field(default_factory=set)   # cut the first response short
    truncate_always: set[str] = field(default_factory=set)  # cut every response short
    ignore_range: set[str] = field(default_factory=set)     # answer 200 with the whole body
    ranges: list[tuple[str, str | None]] = field(default_factory=list)


class Handler(BaseHTTPRequestHandler):
    state: ServerState

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:
        st = self.state
        rng = self.headers.get("Range")
        st.ranges.append((self.path, rng))
        body = st.files.get(self.path)
        if body is None:
            self.send_error(404)
            return
        start, status = 0, 200
        m = re.fullmatch(r"bytes=(\d+)-", rng or "")
        if m and self.path not in st.ignore_range:
            start, status = int(m.group(1)), 206
            if start >= len(body):
                self.send_response(416)
                self.send_header("Content-Range", f"bytes */{len(body)}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
        chunk = body[start:]
        self.send_response(status)
        self.send_header("Content-Length", str(len(chunk)))
        if status == 206:
            self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        self.end_headers()
        first = sum(p == self.path for p, _ in st.ranges) == 1
        if self.path in st.truncate_always or (self.path in st.truncate_first and first):
            chunk = chunk[: max(1, len(chunk) // 3)]  # then close: fewer bytes than announced
            self.close_connection = True
        self.wfile.write(chunk)


@pytest.fixture
def server() -> Iterator[tuple[str, ServerState]]:
    state = ServerState(files={"/data.bin": BODY})
    handler = type("H", (Handler,), {"state": state})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", state
    httpd.shutdown()
    httpd.server_close()


def test_fetch_downloads_verifies_and_renames(server, tmp_path):
    url, state = server
    dest = tmp_path / "sub" / "data.bin"
    assert fetch(url + "/data.bin", dest, SHA, progress=True) == dest
    assert dest.read_bytes() == BODY
    assert not dest.with_name("data.bin.part").exists()
    assert state.ranges == [("/data.bin", None)]


def test_truncated_response_is_resumed_with_range(server, tmp_path):
    url, state = server
    state.truncate_first.add("/data.bin")
    dest = tmp_path / "data.bin"
    fetch(url + "/data.bin", dest, SHA, progress=False)
    assert dest.read_bytes() == BODY
    assert state.ranges[0] == ("/data.bin", None)
    resumed_at = int(re.fullmatch(r"bytes=(\d+)-", state.ranges[1][1]).group(1))
    assert 0 < resumed_at <= len(BODY) // 3  # it kept what it had received (whole chunks)


def test_truncated_without_checksum_is_still_resumed(server, tmp_path):
    url, state = server
    state.truncate_first.add("/data.bin")
    fetch(url + "/data.bin", tmp_path / "d.bin", None, progress=False)
    assert (tmp_path / "d.bin").read_bytes() == BODY  # the length check alone caught it


def test_always_truncated_download_is_an_error_never_accepted(server, tmp_path):
    url, state = server
    state.truncate_always.add("/data.bin")
    dest = tmp_path / "data.bin"
    with pytest.raises(DataError) as err:
        fetch(url + "/data.bin", dest, None, progress=False)
    assert not dest.exists()
    assert str(dest) in str(err.value)
    assert len(state.ranges) > 1  # it tried to resume first


def test_server_ignoring_range_restarts_cleanly(server, tmp_path):
    url, state = server
    state.truncate_first.add("/data.bin")
    state.ignore_range.add("/data.bin")
    dest = tmp_path / "data.bin"
    fetch(url + "/data.bin", dest, SHA, progress=False)
    assert dest.read_bytes() == BODY  # the 200 body replaced the partial file, not appended


def test_existing_part_file_is_resumed(server, tmp_path):
    url, state = server
    dest = tmp_path / "data.bin"
    dest.with_name("data.bin.part").write_bytes(BODY[:1000])
    fetch(url + "/data.bin", dest, SHA, progress=False)
    assert dest.read_bytes() == BODY
    assert state.ranges == [("/data.bin", "bytes=1000-")]


def test_complete_part_file_gets_416_and_is_accepted(server, tmp_path):
    url, state = server
    dest = tmp_path / "data.bin"
    dest.with_name("data.bin.part").write_bytes(BODY)
    fetch(url + "/data.bin", dest, SHA, progress=False)
    assert dest.read_bytes() == BODY


def test_checksum_mismatch_names_file_hashes_and_fix(server, tmp_path):
    url, _ = server
    dest = tmp_path / "data.bin"
    wrong = "0" * 64
    with pytest.raises(DataError) as err:
        fetch(url + "/data.bin", dest, wrong, progress=False)
    msg = str(err.value)
    assert str(dest) in msg and wrong in msg and SHA in msg
    assert "put a verified copy" in msg and "retry" in msg
    assert not dest.exists() and not dest.with_name("data.bin.part").exists()


def test_http_404_is_a_data_error(server, tmp_path):
    url, _ = server
    with pytest.raises(DataError, match="HTTP 404"):
        fetch(url + "/missing.csv", tmp_path / "missing.csv", progress=False)


def test_unreachable_server_says_which_file_to_put_where(tmp_path):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/ETTh1.csv"
    dest = tmp_path / "ltsf" / "ETTh1.csv"
    with pytest.raises(DataError) as err:
        fetch(url, dest, progress=False)
    msg = str(err.value)
    assert url in msg and str(dest) in msg and "offline" in msg


def test_data_root_from_env_and_default(monkeypatch, tmp_path):
    monkeypatch.setenv("SFMBENCH_DATA", str(tmp_path))
    assert data_root() == tmp_path
    monkeypatch.delenv("SFMBENCH_DATA")
    assert data_root().name.lower() == "sfmbench"


def test_ensure_file_uses_present_file_without_network(monkeypatch, tmp_path):
    monkeypatch.setenv("SFMBENCH_DATA", str(tmp_path))
    path = tmp_path / "ltsf" / "x.bin"
    path.parent.mkdir()
    path.write_bytes(BODY)
    assert ensure_file("ltsf/x.bin", "http://127.0.0.1:9/unused", SHA) == path
    assert ensure_file("ltsf/x.bin", "http://127.0.0.1:9/unused") == path


def test_ensure_file_rejects_present_file_with_wrong_checksum(monkeypatch, tmp_path):
    monkeypatch.setenv("SFMBENCH_DATA", str(tmp_path))
    path = tmp_path / "x.bin"
    path.write_bytes(BODY[:-1])
    with pytest.raises(DataError) as err:
        ensure_file("x.bin", "http://example.invalid/x.bin", SHA)
    msg = str(err.value)
    assert SHA in msg and sha256sum(path) in msg and f"delete {path}" in msg


def test_ensure_file_downloads_when_missing(server, monkeypatch, tmp_path):
    url, state = server
    monkeypatch.setenv("SFMBENCH_DATA", str(tmp_path))
    path = ensure_file("deep/er/data.bin", url + "/data.bin", SHA, progress=False)
    assert path == tmp_path / "deep" / "er" / "data.bin"
    assert Path(path).read_bytes() == BODY
    ensure_file("deep/er/data.bin", url + "/data.bin", SHA, progress=False)
    assert len(state.ranges) == 1  # second call used the cached file


# --- hardening: no blind resume, verified length without a checksum ----------------------------
class NoLengthHandler(BaseHTTPRequestHandler):
    """Answers without Content-Length and closes early: a truncated body nobody announced."""

    body = BODY

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:
        self.send_response(200)
        self.end_headers()
        self.wfile.write(self.body[: len(self.body) // 2])
        self.close_connection = True


def _serve(handler: type) -> tuple[ThreadingHTTPServer, str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True).start()
    return httpd, f"http://127.0.0.1:{httpd.server_address[1]}"


def test_unannounced_length_without_checksum_is_refused(tmp_path):
    httpd, url = _serve(NoLengthHandler)
    try:
        dest = tmp_path / "data.bin"
        with pytest.raises(DataError, match="announced no length and no sha256"):
            fetch(url + "/data.bin", dest, None, progress=False)
        assert not dest.exists() and not dest.with_name("data.bin.part").exists()
        # with a pinned checksum the truncated body is caught by the hash instead
        with pytest.raises(DataError, match="checksum mismatch"):
            fetch(url + "/data.bin", dest, SHA, progress=False)
        assert not dest.exists()
    finally:
        httpd.shutdown()
        httpd.server_close()


def test_stale_part_is_not_resumed_without_checksum(server, tmp_path):
    url, state = server
    dest = tmp_path / "data.bin"
    dest.with_name("data.bin.part").write_bytes(b"stale bytes of an older version" * 10)
    fetch(url + "/data.bin", dest, None, progress=False)
    assert dest.read_bytes() == BODY
    assert state.ranges == [("/data.bin", None)]  # started over, no Range onto the stale file


def test_resume_that_reports_another_length_starts_over(server, tmp_path):
    url, state = server
    state.truncate_first.add("/data.bin")
    dest = tmp_path / "data.bin"
    calls = {"n": 0}
    original = Handler.do_GET

    def changing(self) -> None:  # the file changes upstream between the two requests
        calls["n"] += 1
        if calls["n"] == 2:
            self.state.files["/data.bin"] = BODY + b"more"
        original(self)

    Handler.do_GET = changing
    try:
        fetch(url + "/data.bin", dest, None, progress=False)
    finally:
        Handler.do_GET = original
    assert dest.read_bytes() == BODY + b"more"  # the whole new version, never a splice
    assert state.ranges[-1] == ("/data.bin", None)


def test_content_identity_changes_with_content(tmp_path):
    from sfmbench.download import content_identity

    path = tmp_path / "mine.csv"
    path.write_text("a\n1\n")
    first = content_identity(path)
    assert first.startswith("mine.csv:") and len(first.split(":")[1]) == 12
    assert content_identity(path) == first
    path.write_text("a\n2\n")
    assert content_identity(path) != first
    with pytest.raises(DataError, match="cannot read"):
        content_identity(tmp_path / "missing.csv")
