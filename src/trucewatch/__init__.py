"""trucewatch: the system of record of a ceasefire monitoring mechanism."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("trucewatch")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"
