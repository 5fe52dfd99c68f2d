"""Batch fusion's partitions run on a Dask cluster (``trucewatch fuse --full --dask ADDRESS|local``).

A :data:`~trucewatch.incidents.batch.Run` that maps the work over Dask's workers: each partition
(its reports as numpy columns) is sent to a worker, and the results come back in order. ``local``
starts a cluster of worker processes on this machine, one per core.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from trucewatch.errors import ConfigError
from trucewatch.incidents.batch import Run


@contextmanager
def dask_run(address: str) -> Iterator[Run]:
    """A ``Run`` on the Dask scheduler at ``address`` (``tcp://host:8786``), or on a local cluster."""
    from dask.distributed import Client, LocalCluster

    cluster = None
    try:
        if address == "local":
            workers = max(1, min(os.cpu_count() or 1, 8))
            cluster = LocalCluster(n_workers=workers, threads_per_worker=1, dashboard_address=None)  # type: ignore[no-untyped-call]
            client = Client(cluster)  # type: ignore[no-untyped-call]
        else:
            client = Client(address, timeout=15)  # type: ignore[no-untyped-call]
    except OSError as exc:
        raise ConfigError(f"cannot reach the Dask scheduler at {address}: {exc}") from exc

    def run(function: Callable[..., Any], items: Sequence[Any]) -> list[Any]:
        return list(client.gather(client.map(function, list(items), pure=False)))  # type: ignore[no-untyped-call]

    try:
        yield run
    finally:
        client.close()  # type: ignore[no-untyped-call]
        if cluster is not None:
            cluster.close()
