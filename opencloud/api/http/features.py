"""THE list of what this server can do, in one place.

The capabilities document (``/ocs/v{1,2}.php/cloud/capabilities``) is built
from these flags, and clients believe it: the web UI shows a share button when
``files_sharing.api_enabled`` is true, the desktop client uploads with TUS when
``files.tus_support`` is there. So a flag is true only once the feature works
end to end. Whoever lands a feature flips its default here (and the test in
``tests/unit/app/test_ocs_capabilities.py`` that pins today's answers).

Flags that depend on the storage driver (trash, versions) are filled in by the
app's wiring from what the driver implements.
"""

from __future__ import annotations

import msgspec


class Features(msgspec.Struct, frozen=True, kw_only=True):
    """What works, right now. Defaults are this build's truth."""

    # ---- uploads (WebDAV)
    #: TUS 1.0 uploads (creation, creation-with-upload) on the WebDAV endpoints:
    #: ``files.tus_support``.
    tus: bool = True
    #: NG chunking (``/dav/uploads``): ``dav.chunking: "1.0"``.
    chunking_ng: bool = True
    #: Announce Nextcloud's bulk upload (``POST /dav/bulk`` works either way):
    #: ``dav.bulkupload: "1.0"``, which makes the Nextcloud desktop client use
    #: it. Off: desktop clients before 3.9 (Debian's nextcloudcmd 3.7) never
    #: send the body of a bulk request holding an empty file, so their sync
    #: fails (nextcloud/desktop#5871, fixed in 3.9).
    bulk_upload: bool = False

    # ---- storage-dependent (set by the wiring from the driver)
    #: a trash bin: ``files.undelete`` and ``dav.trashbin: "1.0"``.
    trash: bool = False
    #: file versions: ``files.versioning``.
    versions: bool = False

    # ---- spaces
    #: project spaces (``POST /graph/v1.0/drives``, members via
    #: ``/graph/v1beta1/drives/{id}/root/invite``): ``spaces.projects``.
    project_spaces: bool = True

    # ---- sharing
    #: the OCS share API (``/ocs/v{1,2}.php/apps/files_sharing/api/v1/shares``,
    #: ``…/sharees``) with user and group shares and roles:
    #: ``files_sharing.api_enabled``, ``group_sharing``, ``sharing_roles``,
    #: ``user_enumeration``, ``user.expire_date``.
    share_api: bool = True
    #: the share jail (``spaces.share_jail``): received shares in the Shares
    #: space, over WebDAV (``/dav/spaces/{jail}``) and Graph (the virtual
    #: Shares drive, ``sharedWithMe``, accept, decline, hide).
    sharing: bool = True
    #: public links (Graph ``createLink``, OCS ``shareType=3``,
    #: ``/dav/public-files/{token}``): ``files_sharing.public``.
    public_links: bool = True
    #: server-sent events (``/ocs/v2.php/apps/notifications/api/v1/notifications/sse``).
    sse: bool = True

    #: signed URLs (``OC-Signature``; ``api/http/signed_urls.py``), with the
    #: key from ``/ocs/v{1,2}.php/cloud/user/signing-key``.
    url_signing: bool = True

    # ---- not there yet
    #: search (``REPORT search-files``, KQL).
    search: bool = False
    #: full-text search in file contents.
    full_text_search: bool = False
    #: ``oc:favorite`` that can be listed.
    favorites: bool = False
    #: tags (Graph tags API, ``oc:tags``).
    tags: bool = False
    #: ``oc:privatelink`` and ``/f/<id>``.
    private_links: bool = False
    #: user and group administration through Graph (create, delete, edit).
    user_management: bool = False
    #: ``POST /graph/v1.0/me/changePassword``.
    change_password: bool = False
