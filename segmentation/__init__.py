"""Customer segmentation studio: the core library (no Streamlit here).

Typical use::

    from segmentation import AnalysisConfig, Source, run_analysis
    result = run_analysis(Source.from_path("accounts.csv"), AnalysisConfig())
"""

from __future__ import annotations

__version__ = "0.1.0"
