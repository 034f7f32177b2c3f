"""The capabilities document (``GET /ocs/v{1,2}.php/cloud/capabilities``).

Field names, nesting and order are reva's (``pkg/owncloud/ocs/capabilities.go``);
values come from ``Features``, so the document says exactly what this server
does at the moment it runs: a client that believes it never meets a 404 or 501
for a feature it was promised. Sections reva leaves out when unset (``search``,
``theme``, ``notifications``, ``password_policy``, ``groupware``) are left out
until the feature behind them exists.
"""

from __future__ import annotations

import msgspec

from opencloud.api.http.features import Features
from opencloud.api.http.product import Status, Version, status_for_version, version_for

#: The checksums every upload gets (the posix driver computes all three).
CHECKSUM_TYPES = ("sha1", "md5", "adler32")
PREFERRED_CHECKSUM = "sha1"

#: TUS chunk size clients should not exceed (OpenCloud's default).
TUS_MAX_CHUNK_SIZE = 10_000_000


class Core(msgspec.Struct, frozen=True, kw_only=True):
    pollinterval: int = 60
    webdav_root: str = msgspec.field(default="remote.php/webdav", name="webdav-root")
    status: Status
    check_for_updates: bool = msgspec.field(default=False, name="check-for-updates")
    support_url_signing: bool = msgspec.field(name="support-url-signing")
    support_sse: bool = msgspec.field(name="support-sse")


class Checksums(msgspec.Struct, frozen=True, kw_only=True):
    supported_types: list[str] = msgspec.field(name="supportedTypes")
    preferred_upload_type: str = msgspec.field(name="preferredUploadType")


class TusSupport(msgspec.Struct, frozen=True, kw_only=True):
    version: str = "1.0.0"
    resumable: str = "1.0.0"
    extension: str = "creation,creation-with-upload"
    max_chunk_size: int = TUS_MAX_CHUNK_SIZE
    http_method_override: str = ""


class Files(msgspec.Struct, frozen=True, kw_only=True):
    private_links: bool = msgspec.field(name="privateLinks")
    bigfilechunking: bool = False
    undelete: bool
    versioning: bool
    favorites: bool
    full_text_search: bool
    tags: bool
    blacklisted_files: list[str] = []
    #: null when TUS is off: clients then upload with PUT.
    tus_support: TusSupport | None
    archivers: list[object] = []
    app_providers: list[object] = []


class Dav(msgspec.Struct, frozen=True, kw_only=True):
    chunking: str
    #: "1.0" when ``POST /dav/bulk`` works (Nextcloud desktop: ``Capabilities::bulkUpload``).
    bulkupload: str
    trashbin: str
    reports: list[str]
    chunking_parallel_upload_disabled: bool = msgspec.field(
        default=False, name="chunkingParallelUploadDisabled"
    )


class Enabled(msgspec.Struct, frozen=True, kw_only=True):
    enabled: bool


class UserEnumeration(msgspec.Struct, frozen=True, kw_only=True):
    enabled: bool
    group_members_only: bool = True


class Federation(msgspec.Struct, frozen=True, kw_only=True):
    outgoing: bool = False
    incoming: bool = False


class EnforcedFor(msgspec.Struct, frozen=True, kw_only=True):
    """Every link but an internal one needs a password (the links service's
    ``must_have_password``, OpenCloud's default): clients ask for one up front."""

    read_only: bool = True
    read_write: bool = True
    read_write_delete: bool = True
    upload_only: bool = True


class Password(msgspec.Struct, frozen=True, kw_only=True):
    enforced_for: EnforcedFor = msgspec.field(default_factory=EnforcedFor)
    enforced: bool = True


class Public(msgspec.Struct, frozen=True, kw_only=True):
    enabled: bool
    send_mail: bool = False
    social_share: bool = False
    upload: bool
    multiple: bool
    supports_upload_only: bool
    password: Password = msgspec.field(default_factory=Password)
    expire_date: Enabled = msgspec.field(default_factory=lambda: Enabled(enabled=False))
    can_edit: bool
    alias: bool
    default_permissions: int = 1


class SharingUser(msgspec.Struct, frozen=True, kw_only=True):
    send_mail: bool = False
    profile_picture: bool = False
    settings: list[object] = []
    expire_date: Enabled


class FilesSharing(msgspec.Struct, frozen=True, kw_only=True):
    api_enabled: bool
    group_sharing: bool
    sharing_roles: bool
    deny_access: bool = False
    auto_accept_share: bool = True
    share_with_group_members_only: bool = True
    share_with_membership_groups_only: bool = True
    search_min_length: int = 3
    default_permissions: int = 22
    user_enumeration: UserEnumeration
    federation: Federation = msgspec.field(default_factory=Federation)
    public: Public
    user: SharingUser
    resharing: bool = False


class Spaces(msgspec.Struct, frozen=True, kw_only=True):
    version: str = "1.0.0"
    enabled: bool = True
    projects: bool
    share_jail: bool
    max_quota: int = 0


class GraphUsers(msgspec.Struct, frozen=True, kw_only=True):
    read_only_attributes: list[str] = []
    create_disabled: bool
    delete_disabled: bool
    change_password_self_disabled: bool
    edit_login_allowed_disabled: bool


class Graph(msgspec.Struct, frozen=True, kw_only=True):
    personal_data_export: bool = msgspec.field(default=False, name="personal-data-export")
    users: GraphUsers


class Capabilities(msgspec.Struct, frozen=True, kw_only=True):
    core: Core
    checksums: Checksums
    files: Files
    dav: Dav
    files_sharing: FilesSharing
    spaces: Spaces
    graph: Graph


class CapabilitiesData(msgspec.Struct, frozen=True, kw_only=True):
    """``ocs.data`` of the answer."""

    capabilities: Capabilities
    version: Version


def build(features: Features, *, status: Status | None = None) -> CapabilitiesData:
    """The document for a server with ``features``."""
    f = features
    sharing, links = f.sharing, f.public_links
    return CapabilitiesData(
        capabilities=Capabilities(
            core=Core(
                status=status or status_for_version(),
                support_url_signing=f.url_signing,
                support_sse=f.sse,
            ),
            checksums=Checksums(
                supported_types=list(CHECKSUM_TYPES), preferred_upload_type=PREFERRED_CHECKSUM
            ),
            files=Files(
                private_links=f.private_links,
                undelete=f.trash,
                versioning=f.versions,
                favorites=f.favorites,
                full_text_search=f.full_text_search,
                tags=f.tags,
                tus_support=TusSupport() if f.tus else None,
            ),
            dav=Dav(
                chunking="1.0" if f.chunking_ng else "",
                bulkupload="1.0" if f.bulk_upload else "",
                trashbin="1.0" if f.trash else "",
                reports=["search-files"] if f.search else [],
            ),
            files_sharing=FilesSharing(
                api_enabled=f.share_api,
                group_sharing=f.share_api,
                sharing_roles=f.share_api,
                user_enumeration=UserEnumeration(enabled=f.share_api),
                public=Public(
                    enabled=links,
                    upload=links,
                    multiple=links,
                    supports_upload_only=links,
                    can_edit=links,
                    alias=links,
                ),
                user=SharingUser(expire_date=Enabled(enabled=f.share_api)),
            ),
            spaces=Spaces(projects=f.project_spaces, share_jail=sharing),
            graph=Graph(
                users=GraphUsers(
                    create_disabled=not f.user_management,
                    delete_disabled=not f.user_management,
                    change_password_self_disabled=not f.change_password,
                    edit_login_allowed_disabled=not f.user_management,
                )
            ),
        ),
        version=version_for(),
    )
