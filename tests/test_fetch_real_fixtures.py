"""scripts/fetch_real_fixtures.py: downloads at pinned commits, verifies every byte, fails loudly.

No test reaches GitHub: a local HTTP server plays the origin, serving a temporary folder laid
out as <owner>/<repo>/<commit>/<path> like raw.githubusercontent.com. Its files are either
the shared real fixtures (the real manifest, when that folder is present) or small files
made here (a two-origin manifest patched in), so the failure paths run everywhere.
"""

from __future__ import annotations

import hashlib
import http.server
import io
import re
import socket
import subprocess
import sys
import tarfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

import fetch_real_fixtures as fetcher
from fetch_real_fixtures import Fixture, Origin

SCRIPT = Path(fetcher.__file__)


class CountingHandler(http.server.SimpleHTTPRequestHandler):
    requests: list[str]

    def do_GET(self) -> None:  # noqa: N802  (http.server's name)
        self.requests.append(self.path)
        super().do_GET()

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@pytest.fixture
def origin_server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                  ) -> Iterator[tuple[str, Path, list[str]]]:
    """(base URL, folder it serves, paths requested so far)."""
    root = tmp_path / "origin"
    root.mkdir()
    requests: list[str] = []
    handler = type("Handler", (CountingHandler,), {"requests": requests})
    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), lambda *a: handler(*a, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    # A proxy in the environment must not intercept the local origin.
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root, requests
    finally:
        server.shutdown()
        server.server_close()


def publish(root: Path, contents: dict[str, bytes]) -> None:
    """Lay out the manifest's origin files under root: plain files, and each archive built
    from the contents of its members."""
    archives: dict[Path, list[tuple[str, bytes]]] = {}
    for fixture in fetcher.MANIFEST:
        origin = fetcher.ORIGINS[fixture.origin]
        path = root / origin.repo / origin.commit / fixture.path
        if fixture.member:
            archives.setdefault(path, []).append((fixture.member, contents[fixture.dest]))
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(contents[fixture.dest])
    for path, members in archives.items():
        buffer = io.BytesIO()
        with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
            for name, data in members:
                info = tarfile.TarInfo(name)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(buffer.getvalue())


def shared_folder() -> Path:
    folder = fetcher.default_out()
    if not folder.is_dir():
        pytest.skip(f"real fixtures folder {folder} absent (set {fetcher.ENV_VAR} or run "
                    "`make fixtures`)")
    return folder


# Small made-up origin: two repositories, a plain file, a file whose name needs quoting and
# two members of one archive (one of them in a sub-folder).
SMALL_FILES = {
    "aws/plain.csv": b"a,b\n1,2\n",
    "gcp/colon.csv": b"x\n3\n",
    "delivery/data.csv.gz": b"\x1f\x8b not really gzip",
    "delivery/Manifest.json": b'{"assemblyId": "1"}',
}
SMALL_ORIGINS = {
    "one": Origin("owner-one/repo-one", "a" * 40, "MIT"),
    "two": Origin("owner-two/repo.two", "0123456789abcdef0123456789abcdef01234567", "MIT"),
}


@pytest.fixture
def small_manifest(monkeypatch: pytest.MonkeyPatch) -> tuple[Fixture, ...]:
    def digest(dest: str) -> str:
        return hashlib.sha256(SMALL_FILES[dest]).hexdigest()

    manifest = (
        Fixture("aws/plain.csv", "one", "data/plain.csv", digest("aws/plain.csv")),
        Fixture("gcp/colon.csv", "two", "gcp/2020-11-08:2020-11-11.csv",
                digest("gcp/colon.csv")),
        Fixture("delivery/data.csv.gz", "one", "bucket.tar.gz", digest("delivery/data.csv.gz"),
                member="bucket/period/assembly/data.csv.gz"),
        Fixture("delivery/Manifest.json", "one", "bucket.tar.gz",
                digest("delivery/Manifest.json"), member="bucket/period/Manifest.json"),
    )
    monkeypatch.setattr(fetcher, "ORIGINS", SMALL_ORIGINS)
    monkeypatch.setattr(fetcher, "MANIFEST", manifest)
    return manifest


def test_manifest_pins_full_commits_and_unique_files() -> None:
    for key, origin in fetcher.ORIGINS.items():
        assert re.fullmatch(r"[0-9a-f]{40}", origin.commit), f"{key}: {origin.commit}"
    dests = [fixture.dest for fixture in fetcher.MANIFEST]
    assert len(dests) == len(set(dests))
    assert {fixture.origin for fixture in fetcher.MANIFEST} == set(fetcher.ORIGINS)


def test_manifest_covers_every_shared_file() -> None:
    folder = shared_folder()
    on_disk = {path.relative_to(folder).as_posix() for path in folder.rglob("*")
               if path.is_file() and path.name != "README.md"}
    assert {fixture.dest for fixture in fetcher.MANIFEST} == on_disk


def test_check_passes_on_shared_folder() -> None:
    folder = shared_folder()
    result = subprocess.run([sys.executable, str(SCRIPT), "--check", "--out", str(folder)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert f"{len(fetcher.MANIFEST)} fixtures verified" in result.stdout


def test_complete_download_is_byte_identical_to_shared_folder(
        origin_server: tuple[str, Path, list[str]], tmp_path: Path) -> None:
    folder = shared_folder()
    base_url, root, requests = origin_server
    publish(root, {fixture.dest: (folder / fixture.dest).read_bytes()
                   for fixture in fetcher.MANIFEST})
    out = tmp_path / "out"

    assert fetcher.main(["--out", str(out), "--base-url", base_url, "--quiet"]) == 0

    for fixture in fetcher.MANIFEST:
        assert (out / fixture.dest).read_bytes() == (folder / fixture.dest).read_bytes(), \
            fixture.dest
    # One request per origin file: the two delivery files come from one archive.
    assert len(requests) == len({(f.origin, f.path) for f in fetcher.MANIFEST})
    assert "project-koku/koku @768be82535f8e75523d966b4797e954ad054b52f" in (
        out / "README.md").read_text()
    assert fetcher.main(["--check", "--out", str(out), "--quiet"]) == 0


def test_small_download_verifies_then_reruns_without_requests(
        small_manifest: tuple[Fixture, ...], origin_server: tuple[str, Path, list[str]],
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base_url, root, requests = origin_server
    publish(root, SMALL_FILES)
    out = tmp_path / "out"

    assert fetcher.main(["--out", str(out), "--base-url", base_url]) == 0
    assert {dest: (out / dest).read_bytes() for dest in SMALL_FILES} == SMALL_FILES
    commit = SMALL_ORIGINS["two"].commit
    assert f"/owner-two/repo.two/{commit}/gcp/2020-11-08%3A2020-11-11.csv" in requests
    assert len(requests) == 3  # the archive once for its two members

    requests.clear()
    capsys.readouterr()
    assert fetcher.main(["--out", str(out), "--base-url", base_url]) == 0
    assert requests == []
    assert capsys.readouterr().out.count(": present") == len(SMALL_FILES)


@pytest.mark.parametrize("corrupted", ["gcp/colon.csv", "delivery/Manifest.json"])
def test_corrupted_file_is_rejected_naming_it(
        corrupted: str, small_manifest: tuple[Fixture, ...],
        origin_server: tuple[str, Path, list[str]], tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    base_url, root, _ = origin_server
    publish(root, {**SMALL_FILES, corrupted: SMALL_FILES[corrupted] + b" "})
    out = tmp_path / "out"

    assert fetcher.main(["--out", str(out), "--base-url", base_url, "--quiet"]) == 1

    errors = capsys.readouterr().err
    fixture = next(f for f in small_manifest if f.dest == corrupted)
    assert corrupted in errors and fetcher.source_url(base_url, fixture) in errors
    assert fixture.sha256 in errors
    assert not (out / corrupted).exists()
    # The others are fine and kept; no README claims a complete folder.
    assert all((out / dest).read_bytes() == data
               for dest, data in SMALL_FILES.items() if dest != corrupted)
    assert not (out / "README.md").exists()
    assert fetcher.main(["--check", "--out", str(out)]) == 1
    assert f"{corrupted}: missing" in capsys.readouterr().err


def test_file_missing_at_origin_names_file_and_url(
        small_manifest: tuple[Fixture, ...], origin_server: tuple[str, Path, list[str]],
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base_url, root, _ = origin_server
    publish(root, SMALL_FILES)
    missing = small_manifest[0]
    origin = SMALL_ORIGINS[missing.origin]
    (root / origin.repo / origin.commit / missing.path).unlink()

    assert fetcher.main(["--out", str(tmp_path / "out"), "--base-url", base_url]) == 1

    errors = capsys.readouterr().err
    assert f"{missing.dest}: download failed from {fetcher.source_url(base_url, missing)}" \
        in errors
    assert "404" in errors


def test_unreachable_origin_stops_at_first_file(
        small_manifest: tuple[Fixture, ...], tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    # A port nothing listens on: connection refused, as without network.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    base_url = f"http://127.0.0.1:{port}"
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")

    assert fetcher.main(["--out", str(tmp_path / "out"), "--base-url", base_url]) == 1

    errors = capsys.readouterr().err.strip().splitlines()
    first = small_manifest[0]
    assert len(errors) == 1
    assert f"{first.dest}: cannot reach {fetcher.source_url(base_url, first)}" in errors[0]


def test_check_reports_a_changed_file(small_manifest: tuple[Fixture, ...], tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    for dest, data in SMALL_FILES.items():
        (tmp_path / dest).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / dest).write_bytes(data)
    assert fetcher.main(["--check", "--out", str(tmp_path)]) == 0

    (tmp_path / "aws/plain.csv").write_bytes(b"a,b\n1,3\n")
    assert fetcher.main(["--check", "--out", str(tmp_path)]) == 1
    errors = capsys.readouterr().err
    assert "aws/plain.csv: SHA-256" in errors and "1 of 4 fixtures" in errors


def test_help_runs() -> None:
    result = subprocess.run([sys.executable, str(SCRIPT), "--help"], capture_output=True,
                            text=True)
    assert result.returncode == 0 and "--check" in result.stdout
