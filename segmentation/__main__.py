"""The command line: ``python -m segmentation analyze INPUT --out DIR …`` (a stable contract).

Bad input prints one line on stderr and exits with status 2; never a traceback.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import NoReturn

from segmentation import __version__
from segmentation.config import AnalysisConfig
from segmentation.errors import InputError

EXIT_BAD_INPUT = 2
EXIT_INTERNAL = 1
OUTPUT_FILES = ("customers.csv", "segments.csv", "summary.json", "report.html")


class _Parser(argparse.ArgumentParser):
    """argparse that reports a usage mistake on one line (exit 2), as every other bad input."""

    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_BAD_INPUT, f"error: {message} (see `{self.prog} --help`)\n")


def build_parser() -> argparse.ArgumentParser:
    """Return the CLI's argument parser."""
    parser = _Parser(prog="python -m segmentation", description="Customer segmentation studio (command line).")
    parser.add_argument("--version", action="version", version=f"segmentation-studio {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    analyze = commands.add_parser("analyze", help="analyse a customer file and write the results to a folder")
    analyze.add_argument("input", help="customer or transactions file: CSV/TXT/TSV, XLSX or Parquet")
    analyze.add_argument("--out", required=True, help="folder for the output files")
    analyze.add_argument("--config", help="settings JSON saved from the app or an earlier run (summary.json works too)")
    analyze.add_argument("--k", type=int, help="number of segments")
    analyze.add_argument("--seed", type=int, help="random seed (same seed, same segments)")
    analyze.add_argument("--id-column", help="column holding the customer ID (default: detected)")
    analyze.add_argument("--revenue-column", help="column holding revenue (default: detected)")
    analyze.add_argument("--method", help="segmentation method, e.g. kmeans, gmm, hierarchical, hdbscan, rule_tiers")
    analyze.add_argument("--related", help="a second table joined to the first by customer key (e.g. subscriptions)")
    analyze.add_argument("--sheet", help="Excel sheet to read (default: the first with data)")
    analyze.add_argument("--xlsx", action="store_true", help="also write customers.xlsx with a segment summary sheet")
    analyze.add_argument("--quiet", action="store_true", help="print nothing but errors")

    commands.add_parser("default-config", help="print the default settings as JSON, to edit and pass back")
    return parser


def _load_config(path: str | None) -> AnalysisConfig:
    """Read settings from a JSON file; a summary.json is accepted too (its ``settings`` are used)."""
    if path is None:
        return AnalysisConfig()
    file = Path(path)
    if not file.is_file():
        raise InputError(f"Settings file '{path}' does not exist; check the path or leave out --config.")
    return AnalysisConfig.from_saved(file.read_bytes())


def _config_from_args(args: argparse.Namespace) -> AnalysisConfig:
    """Apply command-line options on top of the settings file (options win)."""
    config = _load_config(args.config)
    changes: dict[str, object] = {}
    if args.k is not None:
        if args.k < 1:
            raise InputError(f"--k must be at least 1 (got {args.k}); choose a number of segments such as 4.")
        changes["segmentation.k"] = args.k
        changes["segmentation.auto_k"] = False  # a number given is the number used
    if args.seed is not None:
        changes["segmentation.seed"] = args.seed
    if args.method is not None:
        changes["segmentation.method"] = args.method
    if args.id_column is not None:
        changes["intake.id_column"] = args.id_column
    if args.revenue_column is not None:
        changes["intake.revenue_column"] = args.revenue_column
    if args.sheet is not None:
        changes["intake.sheet"] = args.sheet
    return config.updated(**changes) if changes else config


def analyze(args: argparse.Namespace) -> int:
    """Run the analysis and write the output files; return the exit status."""
    from segmentation.export import customers_csv, segments_csv, workbook_bytes  # noqa: PLC0415
    from segmentation.intake import Source  # noqa: PLC0415
    from segmentation.pipeline import run_analysis  # noqa: PLC0415
    from segmentation.report import build_report  # noqa: PLC0415

    started = time.perf_counter()
    config = _config_from_args(args)
    primary = Source.from_path(args.input)
    related = Source.from_path(args.related) if args.related else None
    result = run_analysis(primary, config, related, fit_k_to_data=args.k is None and args.config is None)
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        (out / "customers.csv").write_bytes(customers_csv(result))
        (out / "segments.csv").write_bytes(segments_csv(result))
        (out / "summary.json").write_text(result.summary_json() + "\n", encoding="utf-8")
        (out / "report.html").write_text(build_report(result), encoding="utf-8")
        if args.xlsx:
            (out / "customers.xlsx").write_bytes(workbook_bytes(result))
    except OSError as exc:
        raise InputError(f"Cannot write to '{out}': {exc.strerror or exc}; choose another --out folder.") from None
    if not args.quiet:
        metrics = result.concentration.metrics
        print(
            f"{result.table.n_customers:,} customers from {result.table.rows_read:,} rows of {primary.name}; "
            f"{len(result.segmentation.profiles)} segments; top 20% of customers hold "
            f"{metrics.top_20pct_revenue_share:.1%} of {result.revenue_unit}; "
            f"wrote {', '.join(OUTPUT_FILES)} to {out} in {time.perf_counter() - started:.1f} s"
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "default-config":
            print(AnalysisConfig().to_json())
            return 0
        return analyze(args)
    except InputError as exc:
        print(f"error: {_one_line(str(exc))}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except MemoryError:
        print("error: the file is too large for this machine's memory; analyse a smaller export.", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("error: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # a bug, not the user's fault: one line, and how to report it
        print(
            f"internal error: {type(exc).__name__}: {_one_line(str(exc))} — this is a bug in the studio; "
            "please report it with the command you ran.",
            file=sys.stderr,
        )
        return EXIT_INTERNAL


def _one_line(text: str) -> str:
    """Collapse a message to one line."""
    return " ".join(text.split())


if __name__ == "__main__":
    sys.exit(main())
