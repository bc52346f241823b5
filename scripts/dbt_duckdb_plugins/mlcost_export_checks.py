"""dbt-duckdb plugin: a SQL function that says whether a raw export can be read.

Staging models call `mlcost_export_read_error('<read_csv(...) or read_parquet(...)>')` at
compile time (macros/export_read_check.sql). It reads the export to the end in a separate
in-memory DuckDB and returns null, or DuckDB's error (which names the file). dbt's Jinja
cannot catch an error, so without this an unreadable file of one provider would fail its
staging model and skip every provider's marts downstream of the union.

Enabled in profiles.yml (`plugins`, `module_paths`); results are cached per dbt process, so
an export is read once per build however many models ask.
"""

from __future__ import annotations

import os

import duckdb
from dbt.adapters.duckdb.plugins import BasePlugin

FUNCTION_NAME = "mlcost_export_read_error"
# The check streams the files (count(*)); it needs little memory and must not compete
# with the build's own connection for it.
CHECK_SETTINGS = {"memory_limit": "1GB", "threads": 1}

_results: dict[str, str | None] = {}


def export_read_error(read_expression: str | None) -> str | None:
    """DuckDB's error on reading `read_expression` to the end, or None if it reads."""
    if read_expression is None:
        return None
    if read_expression not in _results:
        connection = duckdb.connect(config=CHECK_SETTINGS)
        try:
            connection.execute(f"select count(*) from {read_expression}").fetchall()
            _results[read_expression] = None
        except duckdb.Error as error:
            _results[read_expression] = f"{type(error).__name__}: {error}"
        finally:
            connection.close()
    return _results[read_expression]


class Plugin(BasePlugin):
    def configure_connection(self, conn: duckdb.DuckDBPyConnection) -> None:
        # Lint compiles with no exports and never closes its connections, and DuckDB's
        # bindings then report the function as leaked at exit: lint turns it off.
        if os.environ.get("MLCOST_EXPORT_READ_CHECK", "on") == "off":
            return
        conn.create_function(FUNCTION_NAME, export_read_error, ["VARCHAR"], "VARCHAR",
                             null_handling="special", side_effects=True)
