"""The heavy stages written once as Ibis expressions, run on DuckDB (embedded) or Spark or any Ibis backend.

Only small results come back to Python: the fitting samples, per-segment and overall figures, curves
cut to at most 1,000 points and the top lists. The per-customer table is written by the engine
itself (Parquet). See README "Engine path".
"""

from segmentation.engine.connect import connect
from segmentation.engine.run import EngineResult, run_engine
from segmentation.engine.settings import EngineSettings

__all__ = ["EngineResult", "EngineSettings", "connect", "run_engine"]
