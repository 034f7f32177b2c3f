"""``/s/{token}``: the URL a public link is shared as (its Graph ``webUrl``).

OpenCloud serves its web UI there, which opens the link in the browser. This
server has no web UI, so it answers with a minimal page of its own: what the
link is (folder or file, whether it needs a password) and the WebDAV address
that opens it (``/remote.php/dav/public-files/{token}/``), also in a
``Link: <…>; rel="alternate"`` header for programs. A redirect straight to
the WebDAV URL was the alternative; it was not chosen because a browser
cannot list a WebDAV folder or ask for a link password there, so it would
show a bare XML error instead of saying what to do.

An unknown, expired or deleted token (or one whose item is gone) is a 404
page, the same for every reason. The page carries no data from the link's
item (not even its name), caches nothing, loads nothing, is not indexed, and
sends no referrer. ``/index.php/s/{token}`` (ownCloud 10's form) is a 301 to
``/s/{token}``, as in OpenCloud.
"""

from __future__ import annotations

from html import escape

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from opencloud.api.http import context
from opencloud.core.errors import NotFound
from opencloud.services.shares.links import Link, LinksService

_HEADERS = {
    "Cache-Control": "no-store",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "Referrer-Policy": "no-referrer",
    "X-Robots-Tag": "none",
    "X-Content-Type-Options": "nosniff",
}

_PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="none"><title>{title}</title>
<style>body{{font:16px/1.5 sans-serif;max-width:40em;margin:3em auto;padding:0 1em}}
code{{word-break:break-all}}</style></head>
<body><h1>{title}</h1>{body}</body></html>
"""


async def page(request: Request) -> Response:
    token = request.path_params["token"]
    links = context.links(request)
    link = await run_in_threadpool(_live, links, token)
    if link is None:
        body = "<p>This link does not exist, or it has expired or been removed.</p>"
        return HTMLResponse(_PAGE.format(title="No such link", body=body), 404, _HEADERS)
    dav = f"{context.base_url(request)}/remote.php/dav/public-files/{token}/"
    return HTMLResponse(
        _PAGE.format(title="Shared with you", body=_describe(link, dav)),
        200,
        {**_HEADERS, "Link": f'<{dav}>; rel="alternate"'},
    )


async def legacy(request: Request) -> Response:
    """``/index.php/s/{token}`` → ``/s/{token}`` (301)."""
    base = context.base_url(request)
    return RedirectResponse(f"{base}/s/{request.path_params['token']}", status_code=301)


def _live(links: LinksService, token: str) -> Link | None:
    try:
        link = links.by_token(token)
        links.node(link)
    except NotFound:
        return None
    return link


def _describe(link: Link, dav: str) -> str:
    if link.type == "internal":
        return (
            "<p>This link is for people who already have access to the item: "
            "sign in with a client of this server to open it.</p>"
        )
    what = {
        "view": "to see and download",
        "upload": "to see, download and add to",
        "edit": "to see, download and change",
        "createOnly": "to drop files into (you will not see what is there)",
    }.get(link.type, "to open")
    password = (
        "<p>It is protected by a password: use any user name and the password you were given.</p>"
        if link.has_password
        else ""
    )
    return (
        f"<p>Someone shared an item with you {what}. This server has no web "
        f"interface: open it in a WebDAV client (a file manager, rclone, "
        f"cadaver…) at</p><p><code>{escape(dav)}</code></p>{password}"
    )
