"""Builds the driver, the services and the workers from settings.

Constructor injection only: each service gets its collaborators here and
nowhere else, so a test can build the same graph around a driver of its own.
The CLI uses ``load_storage`` too, so ``opencloud check`` and ``opencloud init``
open the storage exactly as the server does.
"""

from __future__ import annotations

from dataclasses import dataclass

from opencloud.api.http.features import Features
from opencloud.app.workers import Worker
from opencloud.config.schema import Settings
from opencloud.core.errors import ConfigError
from opencloud.services.auth.service import AuthService
from opencloud.services.events.bus import EventBus
from opencloud.services.files.locks import LockTable
from opencloud.services.files.service import FilesService
from opencloud.services.files.uploads import Uploads
from opencloud.services.files.watcher import WatchWorker
from opencloud.services.notify.audience import Audience
from opencloud.services.notify.dispatch import Dispatcher
from opencloud.services.notify.streams import StreamHub
from opencloud.services.shares.links import LinksService
from opencloud.services.shares.service import SharesService
from opencloud.services.spaces.service import SpacesService
from opencloud.storage.protocol import HasTrash, HasVersions, StorageDriver, Watchable
from opencloud.storage.registry import load_driver


@dataclass(frozen=True, slots=True)
class Services:
    """Every service the API adapters may reach."""

    files: FilesService
    spaces: SpacesService
    shares: SharesService
    links: LinksService
    locks: LockTable
    auth: AuthService
    uploads: Uploads


def driver_options(settings: Settings) -> dict[str, object]:
    """The configured options plus ``base_data_path``, which a driver uses for
    its defaults (posix: ``<base_data_path>/storage/users``)."""
    return {"base_data_path": settings.data_path, **settings.storage.options}


def load_storage(settings: Settings) -> StorageDriver:
    """Open the configured driver; raises ConfigError / StorageUnavailable with the reason."""
    return load_driver(settings.storage.driver, driver_options(settings))


def require_initialised(settings: Settings) -> None:
    """Refuse to serve without the ids and secrets ``opencloud init`` generates:
    file ids handed to clients must never change, so they cannot be guessed later."""
    if not settings.storage.storage_id:
        raise ConfigError(
            "setting storage.storage_id is empty: run `opencloud init` to create the configuration"
        )


def build_auth(settings: Settings, driver: StorageDriver) -> AuthService:
    """The user directory and credential checks; the CLI builds it the same way.
    Loads the directory from the storage and puts the configured admin into it."""
    return AuthService(driver, settings)


def build_services(settings: Settings, driver: StorageDriver, bus: EventBus) -> Services:
    require_initialised(settings)
    storage_id = settings.storage.storage_id
    files = FilesService(driver, bus, storage_id)
    spaces = SpacesService(driver, storage_id, bus=bus)
    auth = build_auth(settings, driver)
    return Services(
        files=files,
        spaces=spaces,
        shares=SharesService(driver, spaces, auth, storage_id, bus=bus),
        links=LinksService(driver, spaces, storage_id=storage_id, bus=bus),
        locks=LockTable(driver),
        auth=auth,
        uploads=Uploads(
            driver,
            files,
            secret=settings.secrets.transfer_secret,
            expiry=settings.uploads.expiry,
        ),
    )


def build_features(driver: StorageDriver) -> Features:
    """What works on this server: the defaults in ``api/http/features.py``,
    plus what the driver can do *and* an API serves (trash and versions: the
    WebDAV trash-bin and ``meta/{id}/v`` endpoints)."""
    return Features(trash=isinstance(driver, HasTrash), versions=isinstance(driver, HasVersions))


def build_workers(
    driver: StorageDriver, services: Services, bus: EventBus, streams: StreamHub
) -> list[Worker]:
    """Live updates always; the watcher only for drivers whose tree others may change."""
    audience = Audience(driver, services.spaces, services.shares, services.auth)
    workers: list[Worker] = [Dispatcher(bus, audience, streams)]
    if isinstance(driver, Watchable):
        workers.append(WatchWorker(driver, services.files))
    return workers
