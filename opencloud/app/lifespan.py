"""Startup and shutdown: open the storage, start the workers, yield the state
handlers see; on the way out stop the workers, close the bus, close the driver.

The app owns the driver from here on, whether it loaded it or was handed one:
it is closed at shutdown (``close`` is idempotent). Blocking work (loading,
joining threads, persisting indexes) runs in the thread pool so the event loop
keeps answering probes meanwhile.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Callable

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool

from opencloud.api.http.context import AppState
from opencloud.api.http.health import Readiness
from opencloud.app.wiring import build_features, build_services, build_workers, load_storage
from opencloud.app.workers import Supervisor
from opencloud.config.schema import Settings
from opencloud.services.events.bus import InProcessBus
from opencloud.services.notify.streams import StreamHub
from opencloud.storage.protocol import StorageDriver

Lifespan = Callable[[Starlette], contextlib.AbstractAsyncContextManager[AppState]]


class AppHealth:
    """``/readyz``: the driver is open and no worker is down."""

    def __init__(self, supervisor: Supervisor) -> None:
        self.driver_open = False
        self._supervisor = supervisor

    def readiness(self) -> Readiness:
        workers = self._supervisor.health()
        reasons = [] if self.driver_open else ["storage driver is not open"]
        reasons += [
            f"worker {w.name} is {w.state}" + (f" ({w.last_error})" if w.last_error else "")
            for w in workers
            if not (w.alive or w.state == "finished")
        ]
        return Readiness(ready=not reasons, reasons=reasons, workers=workers)


def make_lifespan(
    settings: Settings, streams: StreamHub, driver: StorageDriver | None = None
) -> Lifespan:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[AppState]:
        storage = driver if driver is not None else await run_in_threadpool(load_storage, settings)
        bus = InProcessBus()
        try:
            services = build_services(settings, storage, bus)
            supervisor = Supervisor(build_workers(storage, services, bus, streams))
            health = AppHealth(supervisor)
            supervisor.start()
            health.driver_open = True
            try:
                yield AppState(
                    files=services.files,
                    spaces=services.spaces,
                    shares=services.shares,
                    links=services.links,
                    locks=services.locks,
                    auth=services.auth,
                    uploads=services.uploads,
                    health=health,
                    features=build_features(storage),
                    public_url=settings.url.rstrip("/"),
                    streams=streams,
                    sse_keepalive=settings.sse.keepalive,
                )
            finally:
                health.driver_open = False
                streams.close()  # open event streams end before the workers stop
                await run_in_threadpool(supervisor.stop)
        finally:
            bus.close()
            await run_in_threadpool(storage.close)

    return lifespan
