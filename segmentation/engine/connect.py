"""Reach an engine: embedded DuckDB, a Spark session, or any backend Ibis can connect to by URL."""

from __future__ import annotations

import shutil
from typing import Any

import ibis
from ibis.backends import BaseBackend

from segmentation.errors import InputError

SPARK_HINT = (
    "Spark needs Java 17 and PySpark: `apt-get install openjdk-17-jre-headless` (or your system's Java 17) "
    'and `pip install -e ".[spark]"`.'
)


def java_missing() -> str | None:
    """Why Spark cannot start on this machine (no Java, no PySpark), or None when it can."""
    if shutil.which("java") is None:
        return "Java is not installed. " + SPARK_HINT
    try:
        import pyspark  # noqa: F401, PLC0415
    except ImportError:
        return "PySpark is not installed. " + SPARK_HINT
    return None


def spark_session(master: str = "local[*]", shuffle_partitions: int | None = None, **conf: str) -> Any:
    """Return a Spark session on `master` with UTC time (dates read the same as on DuckDB) and the UI off.

    An existing session (a notebook's, a cluster job's) is reused by `getOrCreate`.
    """
    problem = java_missing()
    if problem:
        raise InputError(f"Cannot start Spark: {problem}")
    from pyspark.sql import SparkSession  # noqa: PLC0415

    builder = (
        SparkSession.builder.master(master)
        .appName("segmentation-studio")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.ansi.enabled", "true")
    )
    if shuffle_partitions is not None:
        builder = builder.config("spark.sql.shuffle.partitions", str(shuffle_partitions))
    for key, value in conf.items():
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel("ERROR")
    return session


def connect(engine: str = "duckdb", spark_master: str = "local[*]") -> BaseBackend:
    """Return an Ibis backend: ``duckdb`` (embedded, in memory), ``spark`` (on `spark_master`) or a URL.

    A URL is anything `ibis.connect` accepts (``duckdb:///path.db``, ``postgres://…``, ``bigquery://…``);
    only DuckDB and Spark are tested. Raises `InputError` when the engine cannot be reached.
    """
    name = engine.strip()
    if name.lower() == "duckdb":
        return ibis.duckdb.connect()
    if name.lower() in {"spark", "pyspark"}:
        return ibis.pyspark.connect(spark_session(spark_master))
    if "://" not in name:
        raise InputError(
            f"Unknown engine '{engine}'; use duckdb, spark or an Ibis connection string such as duckdb:///file.db."
        )
    try:
        return ibis.connect(name)
    except Exception as exc:  # the backend's own error, said in one line
        raise InputError(f"Cannot connect to engine '{engine}': {type(exc).__name__}: {exc}") from None
