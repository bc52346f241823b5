"""Helpers more than one writer uses: UTC times, stable hashes, numbers as Azure prints them,
and the run layout of Azure Cost Management exports with file partitioning (the cost details
and the FOCUS cost export share it).

Writers import from here, never from each other's internals, so no writer imports another
that imports it back.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import pickle
import re
import tempfile
from collections import defaultdict
from collections.abc import Hashable, Iterator
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path


def as_utc(value: datetime) -> datetime:
    """A datetime in UTC; a naive one is taken to be UTC already."""
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def hash_int(*parts: object) -> int:
    """A stable 64-bit integer from the parts (sha256, not Python's salted hash)."""
    return int.from_bytes(hashlib.sha256("|".join(map(str, parts)).encode()).digest()[:8], "big")


def decimal_text(value: float) -> str:
    """A number as Azure writes it: positional (never 1e-05), shortest exact float digits."""
    if value == 0:
        return "0"
    if float(value).is_integer() and abs(value) < 2 ** 53:
        return str(int(value))
    return format(Decimal(repr(float(value))), "f")


def azure_resource_group(resource_id: str) -> str:
    """The resource group an Azure resource id names ("" when none)."""
    match = re.search(r"/resourceGroups/([^/]+)", resource_id, re.IGNORECASE)
    return match.group(1) if match else ""


def period_bounds(period: str) -> tuple[datetime, datetime]:
    """UTC start and (exclusive) end of the calendar month "YYYY-MM"."""
    year, month = map(int, period.split("-"))
    start = datetime(year, month, 1, tzinfo=timezone.utc)
    end = (start + timedelta(days=32)).replace(day=1)
    return start, end


# --------------------------------------------------------------- partitioned Azure export runs


def split_csv(content: bytes, part_rows: int) -> list[tuple[bytes, int]]:
    """CSV bytes cut into parts of at most part_rows data rows, each with the header
    (0: one part). Returns (bytes, data rows) per part."""
    lines = content.decode("utf-8").splitlines(keepends=True)
    header, body = lines[0], lines[1:]
    size = part_rows if part_rows > 0 else max(1, len(body))
    chunks = [body[i:i + size] for i in range(0, len(body), size)] or [[]]
    bom = "\ufeff" if header.startswith("\ufeff") else ""
    return [(((header if index == 0 else bom + header.removeprefix(bom))
              + "".join(chunk)).encode("utf-8"), len(chunk))
            for index, chunk in enumerate(chunks)]


def write_run(out_dir: Path, run_dir: Path, export: str, dataset: str, period: str,
              run_id: str, parts: list[tuple[bytes, int]]) -> list[Path]:
    """Write part_<n>_0001.csv files and a manifest.json naming them, as Cost Management
    exports with file partitioning do. Times are derived from the period (deterministic)."""
    start, end = period_bounds(period)
    written = []
    blobs = []
    for index, (content, rows) in enumerate(parts):
        relative = run_dir / f"part_{index}_0001.csv"
        path = out_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)
        written.append(path)
        blobs.append({"blobName": f"exports/{relative.as_posix()}", "byteCount": len(content),
                      "dataRowCount": rows})
    manifest = {
        "manifestVersion": "2024-04-01",
        "byteCount": sum(blob["byteCount"] for blob in blobs),
        "blobCount": len(blobs),
        "dataRowCount": sum(blob["dataRowCount"] for blob in blobs),
        "exportConfig": {"exportName": export, "type": dataset, "timeFrame": "MonthToDate",
                         "granularity": "Daily"},
        "deliveryConfig": {"partitionData": True, "dataOverwriteBehavior": "CreateNewReport",
                           "fileFormat": "Csv", "compressionMode": "None"},
        "runInfo": {"executionType": "Scheduled", "runId": run_id,
                    "submittedTime": (min(end, datetime(2100, 1, 1, tzinfo=timezone.utc))
                                      + timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "startDate": start.strftime("%Y-%m-%dT%H:%M:%S"),
                    "endDate": (end - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")},
        "blobs": blobs,
    }
    manifest_path = out_dir / run_dir / "manifest.json"
    manifest_path.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
    return written + [manifest_path]


class SortedRuns:
    """Entries per output key (a file, a provider and period), handed back in sort order
    with bounded memory. An entry is a tuple whose first item is its sort key. A full buffer
    is sorted and spilled to a pickled run file in a temporary folder; reading a key merges
    its runs with what is still buffered."""

    def __init__(self, spill_at: int, prefix: str) -> None:
        self.spill_at = spill_at
        self.prefix = prefix
        self.buffer: dict[Hashable, list[tuple]] = defaultdict(list)
        self.buffered = 0
        self.runs: dict[Hashable, list[Path]] = defaultdict(list)
        self._scratch: tempfile.TemporaryDirectory | None = None

    def append(self, key: Hashable, entry: tuple) -> None:
        self.buffer[key].append(entry)
        self.buffered += 1

    def spill_if_full(self) -> None:
        if self.buffered >= self.spill_at:
            self.spill()

    def spill(self) -> None:
        if self._scratch is None:
            self._scratch = tempfile.TemporaryDirectory(prefix=self.prefix)
        for key, entries in self.buffer.items():
            entries.sort(key=_sort_key)
            run = Path(self._scratch.name) / f"run-{sum(map(len, self.runs.values()))}.pickle"
            with run.open("wb") as handle:
                for entry in entries:
                    pickle.dump(entry, handle, protocol=pickle.HIGHEST_PROTOCOL)
            self.runs[key].append(run)
        self.buffer = defaultdict(list)
        self.buffered = 0

    def keys(self) -> list:
        return sorted(set(self.buffer) | set(self.runs))

    def merged(self, key: Hashable) -> Iterator[tuple]:
        streams = [_read_run(run) for run in self.runs.get(key, [])]
        streams.append(iter(sorted(self.buffer.get(key, []), key=_sort_key)))
        return heapq.merge(*streams, key=_sort_key)

    def close(self) -> None:
        if self._scratch is not None:
            self._scratch.cleanup()
            self._scratch = None


def _sort_key(entry: tuple) -> object:
    return entry[0]


def _read_run(run: Path) -> Iterator[tuple]:
    with run.open("rb") as handle:
        while True:
            try:
                yield pickle.load(handle)
            except EOFError:
                return
