"""logalyzer: parse, sessionize and summarise web access and application logs."""

from .parsing import parse_access_line, parse_access_log, parse_app_line, parse_app_log
from .records import AppEvent, Request, Session
from .sessions import SessionTracker, sessionize

__version__ = "0.6.0"

__all__ = [
    "AppEvent",
    "Request",
    "Session",
    "SessionTracker",
    "parse_access_line",
    "parse_access_log",
    "parse_app_line",
    "parse_app_log",
    "sessionize",
    "__version__",
]
