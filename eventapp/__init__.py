"""eventapp: bilateral seminars and forums, from agenda to outcome report."""

__version__ = "0.1.0"
