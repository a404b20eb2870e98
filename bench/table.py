"""The figures of a bench run as a Markdown table, for docs/PERFORMANCE.md: ``python -m bench.table < figures.txt``.

A page's query line joins its timing line (one row per page); comment lines (``#``) come first, as they are.
"""
from __future__ import annotations

import sys


def rows(lines: list[str]) -> tuple[list[str], list[list[str]]]:
    comments, figures, queries = [], [], {}
    for text in lines:
        text = text.strip()
        if not text:
            continue
        if text.startswith("#"):
            comments.append(text.lstrip("# "))
            continue
        columns = text.split()
        name = columns[0]
        if name.startswith("page_") and "_queries_" in name:
            queries[name.replace("_queries_", "_")] = columns
            continue
        figures.append(columns)
    table = []
    for columns in figures:
        name, product, floor, ratio, unit, *details = columns
        details = [d for d in details if not d.startswith(("queries=", "floor_queries="))]
        if name in queries:
            q = queries[name]
            details.insert(0, f"queries {q[1]} (floor {q[2]})")
        table.append([f"`{name}`", product, floor, ratio, unit, " ".join(details).replace("|", "/")])
    return comments, table


def main() -> None:
    comments, table = rows(sys.stdin.read().splitlines())
    for comment in comments:
        print(f"*{comment}*  ")
    print()
    print("| figure | product | floor | ratio | unit | details |")
    print("|---|---:|---:|---:|---|---|")
    for row in table:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
