"""Profiles -> hot functions: read real profile formats, map frames to the repository's functions,
roll library cost up to the nearest repository caller, and keep a merged, stored view.

Other stages call :func:`ingest_files`, :func:`run_and_ingest`, :func:`hot_functions` and
:func:`hotness_by_function`.
"""

from eco.profile.detect import FORMATS, load_profile
from eco.profile.ingest import (
    FileSummary,
    IngestSummary,
    hot_as_dict,
    hot_functions,
    hotness_by_function,
    ingest_files,
    recompute_hot,
)
from eco.profile.model import Frame, ProfileError
from eco.profile.run import run_and_ingest

__all__ = [
    "FORMATS", "FileSummary", "Frame", "IngestSummary", "ProfileError", "hot_as_dict", "hot_functions",
    "hotness_by_function", "ingest_files", "load_profile", "recompute_hot", "run_and_ingest",
]
