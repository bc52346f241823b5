"""mlcost's own dbt-bouncer checks: the project rules dbt-bouncer has no built-in check for.

dbt-bouncer loads every `*.py` one folder below `custom_checks_dir` (see dbt-bouncer.yml) and
registers the functions decorated with `@check` under their function names. Each failure
message starts with the model or source it is about, so `scripts/check_conventions.py` can
print "<resource>: <rule>: <what to do>".

No `from __future__ import annotations` here: dbt-bouncer turns the keyword-only parameters
into pydantic fields and needs their annotations as real types.
"""

import re
from pathlib import PurePosixPath
from typing import Any

from dbt_bouncer.check_framework.decorator import check, fail

# Generic tests that make a primary key on their own (a compound key). Ours, not dbt_utils':
# tests/generic/unique_combination_of_columns.sql.
COMPOUND_KEY_TESTS = frozenset({"unique_combination_of_columns"})
LAYERS = ("staging", "intermediate", "marts")


def _model_path(model: Any) -> PurePosixPath:
    return PurePosixPath(str(model.original_file_path).replace("\\", "/"))


def _test_name(test: Any) -> str | None:
    metadata = getattr(test, "test_metadata", None)
    return getattr(metadata, "name", None) if metadata else None


def _test_column(test: Any) -> str | None:
    column = getattr(test, "column_name", None)
    if column:
        return str(column)
    metadata = getattr(test, "test_metadata", None)
    kwargs = getattr(metadata, "kwargs", None) or {}
    value = kwargs.get("column_name") if isinstance(kwargs, dict) else None
    return str(value) if value else None


@check
def check_model_has_primary_key_test(model: Any, ctx: Any) -> None:
    """A model has a primary-key test: `unique` and `not_null` on the same column, or a
    compound-key test (`unique_combination_of_columns`) on the model."""
    unique_columns: set[str] = set()
    not_null_columns: set[str] = set()
    for test in ctx.tests_by_attached_node.get(model.unique_id, []):
        name = _test_name(test)
        if name in COMPOUND_KEY_TESTS:
            return
        column = _test_column(test)
        if column is None:
            continue
        if name == "unique":
            unique_columns.add(column.lower())
        elif name == "not_null":
            not_null_columns.add(column.lower())
    if unique_columns & not_null_columns:
        return
    fail(
        f"`{model.name}` has no primary-key test: give its key column both `unique` and "
        "`not_null` under `data_tests:`, or add a model-level "
        "`unique_combination_of_columns` test for a compound key."
    )


@check
def check_model_in_layer_folder(model: Any) -> None:
    """A model lives in a layer's sub-folder: models/staging/<source>/,
    models/intermediate/<domain>/ or models/marts/<domain>/."""
    path = _model_path(model)
    parts = path.parts
    layer = parts[1] if len(parts) > 2 and parts[0] == "models" else None
    if layer not in LAYERS:
        fail(
            f"`{model.name}` is in {path.parent}/: put it in models/staging/<source>/, "
            "models/intermediate/<domain>/ or models/marts/<domain>/."
        )
    if len(parts) < 4:
        folder = "<source>" if layer == "staging" else "<domain>"
        fail(f"`{model.name}` is directly in models/{layer}/: put it in models/{layer}/{folder}/.")


@check
def check_staging_model_named_for_source(model: Any) -> None:
    """A staging model in models/staging/<source>/ is `stg_<source>__<entity>s` (or
    `base_<source>__<entity>`)."""
    parts = _model_path(model).parts
    if len(parts) < 4 or parts[:2] != ("models", "staging"):
        return
    source = parts[2]
    if re.match(rf"^(stg|base)_{re.escape(source)}__[a-z0-9_]+$", str(model.name)) is None:
        fail(
            f"`{model.name}` is in models/staging/{source}/: name it stg_{source}__<entity>s "
            f"(or base_{source}__<entity>)."
        )


@check
def check_model_properties_file_named_for_folder(model: Any) -> None:
    """A model is described in `_<folder>__models.yml` in its own folder."""
    folder = _model_path(model).parent
    expected = folder / f"_{folder.name}__models.yml"
    patch_path = str(getattr(model, "patch_path", None) or "")
    documented_in = PurePosixPath(patch_path.split("://", 1)[-1].replace("\\", "/"))
    if not patch_path:
        fail(f"`{model.name}` has no properties file: describe it in {expected}.")
    if documented_in != expected:
        fail(f"`{model.name}` is described in {documented_in}: move it to {expected}.")


@check
def check_source_has_freshness_or_waiver(source: Any, *, waivers: dict[str, str]) -> None:
    """A source table has a freshness (warn_after or error_after), unless dbt-bouncer.yml
    waives it by `<source>.<table>` with the reason."""
    display = f"{source.source_name}.{source.name}"
    freshness = getattr(source, "freshness", None)
    has_freshness = freshness is not None and any(
        threshold is not None and threshold.count is not None and threshold.period is not None
        for threshold in (freshness.warn_after, freshness.error_after)
    )
    if display in waivers:
        if has_freshness:
            fail(f"`{display}` has a freshness now: drop its waiver from dbt-bouncer.yml.")
        return
    if not has_freshness:
        fail(
            f"`{display}` has no freshness: set `config: freshness:` (warn_after/error_after) "
            "and `loaded_at_field` in its sources file, or waive it with a reason in "
            "dbt-bouncer.yml."
        )
