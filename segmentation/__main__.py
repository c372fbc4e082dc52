"""The command line: ``python -m segmentation analyze INPUT --out DIR …`` (a stable contract).

Bad input prints one line on stderr and exits with status 2; never a traceback.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

from segmentation import __version__
from segmentation.config import AnalysisConfig
from segmentation.errors import InputError
from segmentation.formatting import plural
from segmentation.validation import SEED_MAX

if TYPE_CHECKING:
    from segmentation.intake import Source

if TYPE_CHECKING:
    from segmentation.intake import Source
    from segmentation.result import AnalysisResult

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
    analyze.add_argument(
        "--revenue-column",
        help='column holding revenue (default: detected); "A+B+C" adds columns up, "Qty * Price" multiplies',
    )
    analyze.add_argument("--method", help="segmentation method, e.g. kmeans, gmm, hierarchical, hdbscan, rule_tiers")
    analyze.add_argument("--related", help="a second table joined to the first by customer key (e.g. subscriptions)")
    analyze.add_argument("--sheet", help="Excel sheet to read (default: the first with data)")
    analyze.add_argument("--xlsx", action="store_true", help="also write customers.xlsx with a segment summary sheet")
    analyze.add_argument("--quiet", action="store_true", help="print nothing but errors")
    analyze.add_argument(
        "--engine",
        help="run the heavy work on an engine: duckdb, spark or an Ibis connection string; INPUT may then "
        "also be a Parquet folder or a table name (writes customers.parquet and engine_summary.json)",
    )
    analyze.add_argument("--spark-master", default="local[*]", help="Spark master for --engine spark (local[*])")
    analyze.add_argument("--sample-size", type=int, help="--engine: customers sampled to fit the segments")

    compare = commands.add_parser(
        "compare",
        help="what changed between two snapshots (or two periods of one dated transactions file)",
    )
    compare.add_argument("before", help="the earlier file, or the output folder of an earlier `analyze`")
    compare.add_argument("after", nargs="?", help="the newer file (leave out to split one dated transactions file)")
    compare.add_argument("--out", required=True, help="folder for the output files")
    compare.add_argument("--config", help="settings JSON (default: the earlier analysis's settings)")
    compare.add_argument("--period-months", type=int, help="one transactions file: months per period (default 12)")
    compare.add_argument("--period-end", help="one transactions file: last day of the later period (YYYY-MM-DD)")
    compare.add_argument("--quiet", action="store_true", help="print nothing but errors")

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
        if not 0 <= args.seed <= SEED_MAX:
            raise InputError(f"--seed must be a whole number from 0 to {SEED_MAX:,} (got {args.seed}); for example 42.")
        changes["segmentation.seed"] = args.seed
    if args.method is not None:
        changes["segmentation.method"] = args.method
    if args.id_column is not None:
        changes["intake.id_column"] = args.id_column
    if args.revenue_column is not None:
        changes["intake.revenue_column"] = args.revenue_column
    if args.sheet is not None:
        changes["intake.sheet"] = args.sheet
    config = config.updated(**changes) if changes else config
    _check_segment_ids(config)
    return config


FIXED_K_METHODS = ("kmeans", "gmm", "hierarchical", "mixed")
"""Methods that make exactly k segments, numbered 1..k."""
NAMED_COLUMNS = (
    ("concentration", "group_column"),
    ("concentration", "churn_column"),
    ("concentration", "cac_column"),
    ("concentration", "margin_column"),
    ("concentration", "prior_revenue_column"),
    ("segmentation", "tiers_column"),
    ("potential", "potential_column"),
    ("potential", "short_term_column"),
    ("service", "current_model_column"),
)
"""Settings that name a column of the file: a name the file does not have is refused."""


def _check_segment_ids(config: AnalysisConfig) -> None:
    """Refuse merges and overrides of segments a fixed-k method can never make (ids outside 1..k)."""
    settings = config.segmentation
    if settings.method not in FIXED_K_METHODS:
        return
    wanted = [("segmentation.merges", i) for group in settings.merges for i in group]
    wanted += [("service.segment_overrides", int(key)) for key in config.service.segment_overrides]
    for where, segment in wanted:
        if not 1 <= segment <= settings.k:
            raise InputError(
                f"Setting '{where}' names segment {segment}, but {settings.method} with k = {settings.k} makes "
                f"segments 1 to {settings.k}; fix the settings file or choose a larger --k."
            )


def _check_named_columns(config: AnalysisConfig, columns: set[str], file: str) -> None:
    """Refuse a setting naming a column that neither the file nor the customer table has."""
    data = config.to_dict()
    for section, name in NAMED_COLUMNS:
        column = data[section][name]
        if column is not None and column not in columns:
            shown = ", ".join(sorted(columns)[:12])
            raise InputError(
                f"Setting '{section}.{name}' names column '{column}', which '{file}' does not have "
                f"(its columns include {shown}); fix the name or leave the setting out."
            )


def _check_paths(args: argparse.Namespace) -> None:
    """Refuse an empty --out (it would write into the current folder unasked)."""
    if not str(args.out).strip():
        raise InputError("--out is empty; name the folder for the output files, e.g. --out results.")


def _check_sheet(args: argparse.Namespace, primary: Source) -> None:
    """Refuse --sheet for a file that is not an Excel workbook (it would be ignored)."""
    from segmentation.intake.reading import file_format  # noqa: PLC0415

    if args.sheet is not None and file_format(primary) != "excel":
        raise InputError(
            f"--sheet applies to Excel workbooks only, and '{primary.name}' is a {file_format(primary)} file; "
            "leave out --sheet."
        )


def analyze(args: argparse.Namespace) -> int:
    """Run the analysis and write the output files; return the exit status."""
    from segmentation.export import customers_csv, segments_csv, workbook_bytes  # noqa: PLC0415
    from segmentation.intake import Source  # noqa: PLC0415
    from segmentation.pipeline import run_analysis  # noqa: PLC0415
    from segmentation.report import build_report  # noqa: PLC0415

    started = time.perf_counter()
    _check_paths(args)
    config = _config_from_args(args)
    primary = Source.from_path(args.input)
    _check_sheet(args, primary)
    related = Source.from_path(args.related) if args.related else None
    result = run_analysis(primary, config, related, fit_k_to_data=args.k is None and args.config is None)
    _check_named_columns(config, set(result.table.source_roles) | set(result.table.customers.columns), primary.name)
    _add_period_view(result, primary)
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        _write_changes(result, out)
        (out / "customers.csv").write_bytes(customers_csv(result))
        (out / "segments.csv").write_bytes(segments_csv(result))
        (out / "summary.json").write_text(result.summary_json() + "\n", encoding="utf-8")
        (out / "report.html").write_text(build_report(result), encoding="utf-8")
        if args.xlsx:
            (out / "customers.xlsx").write_bytes(workbook_bytes(result))
    except OSError as exc:
        raise InputError(f"Cannot write to '{out}': {exc.strerror or exc}; choose another --out folder.") from None
    if not args.quiet:
        print(_analysis_printout(result, out, time.perf_counter() - started))
    return 0


def _analysis_printout(result: AnalysisResult, out: Path, seconds: float) -> str:
    """What the terminal shows after an analysis: the ledger totals, the 80/20 reading, the files written.

    The sentences are the ones the report and summary.json carry (`segmentation.narrative`).
    """
    from segmentation.narrative import LedgerTotals, ledger_reading, pareto_reading  # noqa: PLC0415

    table = result.table
    lines = [
        ledger_reading(LedgerTotals.of(table)),
        f"{plural(len(result.segmentation.profiles), 'segment')}. "
        + pareto_reading(result.concentration.metrics, window=table.revenue_window),
    ]
    if len(table.churned):
        lines.append(f"{plural(len(table.churned), 'churned account')} kept out of current {result.revenue_unit}.")
    lines.append(f"Wrote {', '.join(OUTPUT_FILES)} to {out} in {seconds:.1f} s.")
    return "\n".join(lines)


def analyze_on_engine(args: argparse.Namespace) -> int:
    """Run the engine path (`segmentation.engine`) and write customers.parquet and engine_summary.json."""
    try:
        from segmentation.engine import EngineSettings, run_engine  # noqa: PLC0415
    except ImportError:
        raise InputError(
            'The engine path needs Ibis: pip install -e ".[engine]" (or ".[spark]" for Spark), then run again.'
        ) from None

    started = time.perf_counter()
    config = _config_from_args(args)
    changes: dict[str, object] = {"engine": args.engine, "spark_master": args.spark_master}
    for name, value in (("k", args.k), ("seed", args.seed), ("sample_size", args.sample_size)):
        if value is not None:
            changes[name] = value
    if args.method in {"kmeans", "rule_tiers"}:
        changes["method"] = args.method
    elif args.method is not None:
        raise InputError(f"--engine runs kmeans or rule_tiers, not '{args.method}'; choose one of those two.")
    try:
        settings = EngineSettings(**changes)  # type: ignore[arg-type]
    except ValueError as exc:
        raise InputError(f"Engine settings are not valid: {_one_line(str(exc))}") from None
    result = run_engine(args.input, settings, config.intake, out=Path(args.out))
    if not args.quiet:
        from segmentation.narrative import LedgerTotals, ledger_reading, pareto_reading  # noqa: PLC0415

        totals = LedgerTotals.count(result.ledger, result.source_name, result.rows_read, result.customers)
        print(
            f"{ledger_reading(totals)}\n"
            f"{plural(result.fitted.k, 'segment')} on {result.engine}. {pareto_reading(result.concentration.metrics)}\n"
            f"Wrote customers.parquet, engine_summary.json to {args.out} in {time.perf_counter() - started:.1f} s."
        )
    return 0


def _add_period_view(result: AnalysisResult, primary: Source) -> None:
    """A dated transactions file also gets the period view (last period against the one before), when it fits."""
    from segmentation.changes.run import compare_periods, event_date_column  # noqa: PLC0415

    roles = {name: role.role for name, role in (result.table.source_roles or result.table.roles).items()}
    if result.table.grain != "transactions" or event_date_column(roles) is None:
        return
    try:
        result.changes = compare_periods(primary, result.config, main=result)
    except InputError as exc:
        result.table.notes.append(f"No period view: {_one_line(str(exc))}")


def _write_changes(result: AnalysisResult, out: Path) -> None:
    """Write segment_model.json, and changes.csv and migration.csv when there is a comparison."""
    from segmentation.changes import MODEL_FILE, SegmentModel  # noqa: PLC0415
    from segmentation.changes.export import changes_csv, migration_csv  # noqa: PLC0415

    (out / MODEL_FILE).write_text(SegmentModel.fit(result).to_json() + "\n", encoding="utf-8")
    if result.changes is not None:
        (out / "changes.csv").write_bytes(changes_csv(result.changes))
        (out / "migration.csv").write_bytes(migration_csv(result.changes))


def compare(args: argparse.Namespace) -> int:
    """Compare two snapshots (or two periods of one file) and write the output files; return the exit status."""
    import datetime as dt  # noqa: PLC0415

    from segmentation.changes.run import compare_periods, compare_snapshots  # noqa: PLC0415
    from segmentation.export import customers_csv, segments_csv  # noqa: PLC0415
    from segmentation.intake import Source  # noqa: PLC0415
    from segmentation.pipeline import run_analysis  # noqa: PLC0415
    from segmentation.report import build_report  # noqa: PLC0415

    started = time.perf_counter()
    config = _load_config(args.config) if args.config else None
    changes: dict[str, object] = {}
    if args.period_months is not None:
        if args.period_months < 1:
            raise InputError(f"--period-months must be at least 1 (got {args.period_months}); try 12.")
        changes["changes.period_months"] = args.period_months
    if args.period_end is not None:
        try:
            changes["changes.period_end"] = dt.date.fromisoformat(args.period_end).isoformat()
        except ValueError:
            raise InputError(f"--period-end '{args.period_end}' is not a date; write it as YYYY-MM-DD.") from None
    before = Path(args.before)
    if not before.exists():
        raise InputError(f"'{args.before}' does not exist; pass the earlier file or an earlier output folder.")
    if args.after is None:
        if before.is_dir():
            raise InputError("With one input, pass a dated transactions file (not a folder), or add the newer file.")
        config = (config or AnalysisConfig()).updated(**changes) if changes else (config or AnalysisConfig())
        primary = Source.from_path(before)
        result = run_analysis(primary, config, fit_k_to_data=args.config is None)
        result.changes = compare_periods(primary, result.config, main=result)
    else:
        after = Path(args.after)
        if not after.is_file():
            raise InputError(f"'{args.after}' is not a file; pass the newer export as AFTER.")
        if config is not None and changes:
            config = config.updated(**changes)
        result = compare_snapshots(before, Source.from_path(after), config, fit_k_to_data=args.config is None)
    out = Path(args.out)
    try:
        out.mkdir(parents=True, exist_ok=True)
        (out / "customers.csv").write_bytes(customers_csv(result))
        (out / "segments.csv").write_bytes(segments_csv(result))
        _write_changes(result, out)
        (out / "summary.json").write_text(result.summary_json() + "\n", encoding="utf-8")
        (out / "report.html").write_text(build_report(result), encoding="utf-8")
    except OSError as exc:
        raise InputError(f"Cannot write to '{out}': {exc.strerror or exc}; choose another --out folder.") from None
    if not args.quiet and result.changes is not None:
        print(
            f"{result.changes.headlines[0]} Wrote changes.csv, migration.csv, summary.json, report.html to {out} "
            f"in {time.perf_counter() - started:.1f} s"
        )
    return 0


def run_command(args: argparse.Namespace) -> int:
    """Run the command the arguments name (analyze, on the engine or not; compare; default-config).

    Returns its exit status; errors are left to `main`, which turns each into one line and a status.
    """
    if args.command == "default-config":
        print(AnalysisConfig().to_json())
        return 0
    if getattr(args, "engine", None):
        return analyze_on_engine(args)
    if args.command == "compare":
        return compare(args)
    return analyze(args)


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return run_command(args)
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
