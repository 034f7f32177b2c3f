"""THE route table. Every URL the server answers is listed here, in one place,
so ``tests/docs`` can check each is documented and nobody has to hunt for a
route registered in some module's import side effect."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from opencloud.api.auth import tokens
from opencloud.api.graph import drives as graph_drives
from opencloud.api.graph import groups as graph_groups
from opencloud.api.graph import links as graph_links
from opencloud.api.graph import me as graph_me
from opencloud.api.graph import permissions as graph_permissions
from opencloud.api.graph import shared as graph_shared
from opencloud.api.graph import sharing as graph_sharing
from opencloud.api.graph import spaces as graph_spaces
from opencloud.api.graph import users as graph_users
from opencloud.api.http.routing import PrefixRoute
from opencloud.api.ocs import endpoints as ocs
from opencloud.api.ocs import sharees as ocs_sharees
from opencloud.api.ocs import shares as ocs_shares
from opencloud.api.ocs import tokeninfo as ocs_tokeninfo
from opencloud.api.sse import endpoint as sse
from opencloud.api.status.endpoints import healthz, readyz, status_php
from opencloud.api.webdav import linkpage, tus
from opencloud.api.webdav.app import WebDav


def routes() -> list[BaseRoute]:
    dav = WebDav()  # one per app: it holds the app's WsgiDAV instance
    return [
        # WebDAV, every flavour (the /remote.php prefix is optional)
        PrefixRoute(("/dav", "/remote.php/dav", "/webdav", "/remote.php/webdav"), dav),
        # TUS upload URLs (the token is the credential: no login)
        Route("/data/{token}", tus.DataEndpoint(dav.write_locked)),
        Route("/status.php", status_php, methods=["GET"]),
        # a public link's webUrl (no web UI here: a minimal page), and ownCloud 10's form
        Route("/s/{token}", linkpage.page, methods=["GET"]),
        Route("/index.php/s/{token}", linkpage.legacy, methods=["GET"]),
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        # OCS: the same endpoints under v1.php and v2.php
        *(
            route
            for v in ("v1", "v2")
            for route in (
                Route(f"/ocs/{v}.php/cloud/capabilities", ocs.capabilities, methods=["GET"]),
                Route(f"/ocs/{v}.php/cloud/user", ocs.user, methods=["GET"]),
                Route(f"/ocs/{v}.php/cloud/user/signing-key", ocs.signing_key, methods=["GET"]),
                Route(f"/ocs/{v}.php/cloud/users/{{userid}}", ocs.users, methods=["GET"]),
                Route(
                    f"/ocs/{v}.php/cloud/users/{{userid}}/groups", ocs.user_groups, methods=["GET"]
                ),
                Route(f"/ocs/{v}.php/config", ocs.config, methods=["GET"]),
                # the share API of ownCloud 10-era clients (pyocclient)
                *_ocs_sharing(f"/ocs/{v}.php/apps/files_sharing/api/v1"),
            )
        ),
        # live updates (server-sent events), only under v2 as in OpenCloud
        Route(
            "/ocs/v2.php/apps/notifications/api/v1/notifications/sse",
            sse.notifications_sse,
            methods=["GET"],
        ),
        # LibreGraph: the user and their drives
        Route("/graph/v1.0/me", graph_me.me, methods=["GET"]),
        Route("/graph/v1.0/me/drive", graph_drives.my_drive, methods=["GET"]),
        Route("/graph/v1.0/me/drives", graph_drives.my_drives, methods=["GET"]),
        Route("/graph/v1beta1/me/drives", graph_drives.my_drives, methods=["GET"]),
        Route("/graph/v1.0/drives", graph_drives.all_drives, methods=["GET"]),
        Route("/graph/v1beta1/drives", graph_drives.all_drives, methods=["GET"]),
        Route("/graph/v1.0/drives/{drive_id}", graph_drives.drive, methods=["GET"]),
        Route("/graph/v1beta1/drives/{drive_id}", graph_drives.drive, methods=["GET"]),
        # LibreGraph project spaces: create, change, disable/restore, delete
        Route("/graph/v1.0/drives", graph_spaces.create_drive, methods=["POST"]),
        Route("/graph/v1.0/drives/{drive_id}", graph_spaces.update_drive, methods=["PATCH"]),
        Route("/graph/v1.0/drives/{drive_id}", graph_spaces.delete_drive, methods=["DELETE"]),
        # LibreGraph space members (grants on the space root) and roles
        Route(
            "/graph/v1beta1/drives/{drive_id}/root/invite",
            graph_permissions.invite,
            methods=["POST"],
        ),
        Route(
            "/graph/v1beta1/drives/{drive_id}/root/permissions",
            graph_permissions.list_permissions,
            methods=["GET"],
        ),
        Route(
            "/graph/v1beta1/drives/{drive_id}/root/permissions/{permission_id}",
            graph_permissions.update_permission,
            methods=["PATCH"],
        ),
        Route(
            "/graph/v1beta1/drives/{drive_id}/root/permissions/{permission_id}",
            graph_permissions.delete_permission,
            methods=["DELETE"],
        ),
        # LibreGraph public links on a space root (items: ``_graph_sharing``)
        Route(
            "/graph/v1beta1/drives/{drive_id}/root/createLink",
            graph_links.create_link,
            methods=["POST"],
        ),
        Route(
            "/graph/v1beta1/drives/{drive_id}/root/permissions/{permission_id}/setPassword",
            graph_links.set_password,
            methods=["POST"],
        ),
        Route(
            "/graph/v1beta1/roleManagement/permissions/roleDefinitions",
            graph_permissions.list_role_definitions,
            methods=["GET"],
        ),
        Route(
            "/graph/v1beta1/roleManagement/permissions/roleDefinitions/{role_id}",
            graph_permissions.get_role_definition,
            methods=["GET"],
        ),
        # LibreGraph shares of files and folders, and the Shares drive (share jail)
        *_graph_sharing("/graph/v1beta1"),
        # LibreGraph users and groups (writes: admins only)
        Route("/graph/v1.0/users", graph_users.list_users, methods=["GET"]),
        Route("/graph/v1.0/users", graph_users.create_user, methods=["POST"]),
        Route("/graph/v1.0/users/{user_id}", graph_users.get_user, methods=["GET"]),
        Route("/graph/v1.0/users/{user_id}", graph_users.update_user, methods=["PATCH"]),
        Route("/graph/v1.0/users/{user_id}", graph_users.delete_user, methods=["DELETE"]),
        Route("/graph/v1.0/groups", graph_groups.list_groups, methods=["GET"]),
        Route("/graph/v1.0/groups", graph_groups.create_group, methods=["POST"]),
        Route("/graph/v1.0/groups/{group_id}", graph_groups.get_group, methods=["GET"]),
        Route("/graph/v1.0/groups/{group_id}", graph_groups.update_group, methods=["PATCH"]),
        Route("/graph/v1.0/groups/{group_id}", graph_groups.delete_group, methods=["DELETE"]),
        Route("/graph/v1.0/groups/{group_id}/members", graph_groups.list_members, methods=["GET"]),
        Route(
            "/graph/v1.0/groups/{group_id}/members/$ref", graph_groups.add_member, methods=["POST"]
        ),
        Route(
            "/graph/v1.0/groups/{group_id}/members/{member_id}/$ref",
            graph_groups.remove_member,
            methods=["DELETE"],
        ),
        # sessions for the browser, app tokens for other clients
        Route("/auth/token", tokens.session_token, methods=["POST"]),
        Route("/auth-app/tokens", tokens.list_app_tokens, methods=["GET"]),
        Route("/auth-app/tokens", tokens.create_app_token, methods=["POST"]),
        Route("/auth-app/tokens", tokens.revoke_app_token, methods=["DELETE"]),
    ]


def _ocs_sharing(base: str) -> list[BaseRoute]:
    """``/apps/files_sharing/api/v1`` under one OCS version."""
    shares, one, pending = f"{base}/shares", f"{base}/shares/{{share_id}}", f"{base}/shares/pending"
    tokeninfo = f"{base}/tokeninfo"
    return [
        Route(shares, ocs_shares.list_shares, methods=["GET"]),
        Route(shares, ocs_shares.create_share, methods=["POST"]),
        Route(one, ocs_shares.get_share, methods=["GET"]),
        Route(one, ocs_shares.update_share, methods=["PUT"]),
        Route(one, ocs_shares.delete_share, methods=["DELETE"]),
        Route(f"{pending}/{{share_id}}", ocs_shares.accept_share, methods=["POST"]),
        Route(f"{pending}/{{share_id}}", ocs_shares.decline_share, methods=["DELETE"]),
        Route(f"{base}/sharees", ocs_sharees.sharees, methods=["GET"]),
        # what a link's token leads to (unprotected: no login)
        Route(f"{tokeninfo}/unprotected/{{token}}", ocs_tokeninfo.unprotected, methods=["GET"]),
        Route(f"{tokeninfo}/protected/{{token}}", ocs_tokeninfo.protected, methods=["GET"]),
    ]


def _graph_sharing(base: str) -> list[BaseRoute]:
    """Item shares, ``sharedWithMe``/``sharedByMe`` and the share jail's items."""
    item = f"{base}/drives/{{drive_id}}/items/{{item_id}}"
    permission = f"{item}/permissions/{{permission_id}}"
    return [
        Route(f"{item}/invite", graph_sharing.invite, methods=["POST"]),
        Route(f"{item}/createLink", graph_links.create_link, methods=["POST"]),
        Route(f"{permission}/setPassword", graph_links.set_password, methods=["POST"]),
        Route(f"{item}/permissions", graph_sharing.list_permissions, methods=["GET"]),
        Route(permission, graph_sharing.update_permission, methods=["PATCH"]),
        Route(permission, graph_sharing.delete_permission, methods=["DELETE"]),
        Route(f"{base}/me/drive/sharedWithMe", graph_shared.shared_with_me, methods=["GET"]),
        Route(f"{base}/me/drive/sharedByMe", graph_shared.shared_by_me, methods=["GET"]),
        Route(f"{base}/drives/{{drive_id}}/root/children", graph_shared.mount, methods=["POST"]),
        Route(item, graph_shared.get_item, methods=["GET"]),
        Route(item, graph_shared.update_item, methods=["PATCH"]),
        Route(item, graph_shared.delete_item, methods=["DELETE"]),
    ]
