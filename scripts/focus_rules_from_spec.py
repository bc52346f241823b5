"""Write seeds/focus_column_rules.csv from the FOCUS specification's column pages.

The conformance check (models/marts/finops/rpt_focus_conformance.sql) runs one rule per
row of that seed on fct_cost_lines. The rules are the spec's own sentences, read from a
checkout of FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec at a release tag:

    git clone https://github.com/FinOps-Open-Cost-and-Usage-Spec/FOCUS_Spec
    python scripts/focus_rules_from_spec.py --spec FOCUS_Spec --tag v1.2

Kept: "X MUST NOT be null." and "X MUST (NOT) be null when <condition>" where the condition
names only columns and literal values (`Y is null`, `Y is not null`, `Y is "V"`, `Y is "V"
or "W"`, `Y is not "V"`, joined by `and`); every allowed-values table, ServiceSubcategory's
per parent category. Skipped, and printed: sentences whose condition is about the world
("when a charge is related to a resource"), which no column can check.
"""

from __future__ import annotations

import argparse
import csv
import re
import subprocess
import sys
from pathlib import Path

COLUMN_PAGES = "specification/columns"
FIELDS = ["rule_id", "focus_column_id", "column_name", "introduced_in", "requirement",
          "applies_when", "allowed_values", "spec_text"]
LINK = re.compile(r"\[\*?([^\]*]+)\*?\]\(#[^)]*\)")
TERM = re.compile(
    r'^(?P<column>[A-Z][A-Za-z]+) is (?P<negated>not )?'
    r'(?:(?P<null>null)|(?P<values>"[^"]+"(?: or "[^"]+")*))$')


def snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def condition_sql(text: str) -> str | None:
    """SQL for a condition built only of column terms joined by `and`, else None."""
    parts = []
    for term in LINK.sub(r"\1", text).replace("Charge Category", "ChargeCategory").split(" and "):
        match = TERM.match(term.strip())
        if not match:
            return None
        column = snake(match["column"])
        if match["null"]:
            parts.append(f"{column} is {'not ' if match['negated'] else ''}null")
            continue
        values = ", ".join(f"'{value}'" for value in re.findall(r'"([^"]+)"', match["values"]))
        if match["negated"]:
            parts.append(f"coalesce({column}, '') not in ({values})")
        else:
            parts.append(f"{column} in ({values})")
    return " and ".join(parts)


def table_rows(page: str, header: str) -> list[list[str]]:
    """The rows of the markdown table whose header row starts with `header`."""
    lines = page.splitlines()
    start = next((i for i, line in enumerate(lines)
                  if line.startswith("|") and line.strip("| ").split("|")[0].strip() == header),
                 None)
    if start is None:
        return []
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip().strip("|").split("|")])
    return rows


def rules_of(page: str, skipped: list[str]) -> list[dict[str, str]]:
    column_id = re.search(r"## Column ID\s+(\w+)", page)[1]
    column = snake(column_id)
    # "1.0-preview" and "0.5" columns are in every released version: 1.0.
    introduced = re.search(r"## Introduced \(version\)\s+([\d.]+)", page)[1]
    introduced = max(introduced, "1.0")
    rules = []

    def add(requirement: str, applies_when: str = "", allowed: str = "", text: str = "") -> None:
        rules.append({"focus_column_id": column_id, "column_name": column,
                      "introduced_in": introduced, "requirement": requirement, "applies_when": applies_when,
                      "allowed_values": allowed, "spec_text": text})

    for line in page.splitlines():
        # Nested sentences refine their parent's condition: only top-level and first-level
        # nullability sentences stand alone.
        sentence = line.strip()
        if line.startswith("    ") or not sentence.startswith(f"* {column_id} MUST"):
            continue
        sentence = LINK.sub(r"\1", sentence[2:])
        if sentence == f"{column_id} MUST NOT be null.":
            add("not_null", text=sentence)
            continue
        match = re.match(rf"{column_id} MUST (NOT )?be null when (.+)\.$", sentence)
        if not match:
            continue
        condition = condition_sql(match[2])
        if condition is None:
            skipped.append(sentence)
            continue
        add("not_null" if match[1] else "null", applies_when=condition, text=sentence)

    if column_id == "ServiceSubcategory":
        parents: dict[str, list[str]] = {}
        for category, subcategory, *_ in table_rows(page, "Service Category"):
            parents.setdefault(category, []).append(subcategory)
        for category, subcategories in parents.items():
            add("allowed_values", applies_when=f"service_category = '{category}'",
                allowed="|".join(subcategories),
                text=f"ServiceSubcategory MUST have one and only one parent ServiceCategory "
                     f"({category})")
    elif "Allowed values" in page or "Allowed Values" in page:
        header = "Service Category" if column_id == "ServiceCategory" else "Value"
        values = [row[0] for row in table_rows(page, header)]
        if values:
            add("allowed_values", applies_when=f"{column} is not null",
                allowed="|".join(values), text=f"{column_id} MUST be one of the allowed values.")
    return rules


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--spec", type=Path, required=True, help="FOCUS_Spec git checkout")
    parser.add_argument("--tag", default="v1.2", help="release tag to read (default v1.2)")
    parser.add_argument("--out", type=Path,
                        default=Path(__file__).resolve().parents[1] / "seeds" / "focus_column_rules.csv")
    args = parser.parse_args(argv)

    def git(*command: str) -> str:
        return subprocess.run(["git", "-C", str(args.spec), *command], check=True,
                              capture_output=True, text=True).stdout

    pages = sorted(name for name in git("ls-tree", "--name-only", args.tag,
                                        COLUMN_PAGES + "/").split()
                   if name.endswith(".md"))
    skipped: list[str] = []
    rules = [rule for name in pages for rule in rules_of(git("show", f"{args.tag}:{name}"),
                                                         skipped)]
    with args.out.open("w", newline="") as target:
        writer = csv.DictWriter(target, FIELDS, lineterminator="\n")
        writer.writeheader()
        for number, rule in enumerate(rules, start=1):
            writer.writerow({"rule_id": f"focus-{args.tag}-{number:03d}", **rule})
    print(f"{len(rules)} rules from {len(pages)} column pages of FOCUS {args.tag} -> {args.out}")
    print(f"{len(skipped)} sentences not checkable from the columns alone:")
    for sentence in skipped:
        print(f"  {sentence}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
