"""Who may do what: ONE table of permissions, routes and socket commands, enforced in one place.

Every HTTP route and WebSocket of the app is listed in `ROUTES` as PUBLIC (authenticated another
way: site key, visitor token, signature, or nothing to protect), SESSION (any logged-in associate)
or a permission from `PERMISSIONS`. `enforce_policy`, installed app-wide, refuses a route missing
from the table (fails closed), answers 401 without a session, 404 for a `{site_id}` the associate
is not a member of (as if it did not exist), and 403 naming the permission a role lacks. Checks on
one object (may this associate write in *this* conversation?) stay in the services and ask
`allows(actor, "chat.reply_any")` here instead of comparing roles themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from starlette.exceptions import WebSocketException
from starlette.requests import HTTPConnection, Request

from salon.core.errors import ApiError
from salon.identity.service import ROLES, Actor, Role, access_site

PUBLIC: Final = "public"
SESSION: Final = "session"
WEBSOCKET: Final = "WS"  # the "method" of a WebSocket route in the table

EVERYONE: frozenset[Role] = frozenset(ROLES)
SUPERVISORS: frozenset[Role] = frozenset({"supervisor", "admin"})
ADMINS: frozenset[Role] = frozenset({"admin"})

# permission -> (the roles holding it, what it allows); docs/security.md is generated from this
PERMISSIONS: dict[str, tuple[frozenset[Role], str]] = {
    "floor.read": (EVERYONE, "the live floor and a visit's story"),
    "chat.read": (EVERYONE, "the site's chat queue, conversations, team, canned replies"),
    "chat.reply_own": (EVERYONE, "claim, write in, transfer and close one's own conversations"),
    "chat.reply_any": (SUPERVISORS, "write in, transfer and close anyone's conversation"),
    "chat.read_any": (SUPERVISORS, "live frames and typing of every conversation of the site"),
    "chat.alerts": (SUPERVISORS, "queue wait alerts on the console"),
    "tools.use": (EVERYONE, "the chat tools panel and card previews"),
    "customers.read": (EVERYONE, "customer timelines"),
    "interactions.write": (SUPERVISORS, "record store interactions over the API"),
    "import.run": (SUPERVISORS, "import catalogue, stock, customers and orders"),
    "import.associates": (ADMINS, "import (create or re-role) associate accounts"),
    "webhooks.read": (EVERYONE, "webhook endpoints (without secrets) and the delivery log"),
    "webhooks.manage": (SUPERVISORS, "create, change, delete, test webhooks; see secrets"),
    "playbooks.read": (EVERYONE, "playbooks, previews, firings, lift, coupons, budget"),
    "playbooks.write": (SUPERVISORS, "create and change playbooks and the coupon budget"),
    "tasks.work": (EVERYONE, "the follow-up tasks playbooks create"),
    "topics.read": (EVERYONE, "recurring shopper questions"),
    "helpdesk.use": (EVERYONE, "ask experts, answer in one's groups, keep snippets"),
    "helpdesk.answer_any": (SUPERVISORS, "answer and see every expert group's questions"),
    "helpdesk.snippets.edit_any": (SUPERVISORS, "change or delete anyone's snippet"),
    "helpdesk.groups.manage": (SUPERVISORS, "create, change and delete expert groups"),
    "analytics.read": (SUPERVISORS, "analytics, charts and the weekly report"),
    "audit.read": (SUPERVISORS, "the site's audit log and its retention settings"),
    "privacy.export": (ADMINS, "export everything held on a customer (GDPR)"),
    "privacy.erase": (ADMINS, "erase a customer everywhere (GDPR)"),
    "privacy.manage": (ADMINS, "the site's privacy and retention settings"),
}

_SITE = "/api/sites/{site_id}"
_CHAT = _SITE + "/chat/conversations/{conversation_id}"
_SHOPPER_CHAT = "/api/chat/conversations/{conversation_id}"
_WEBHOOKS = _SITE + "/webhooks"
_PLAYBOOKS = _SITE + "/playbooks"
_HELPDESK = _SITE + "/helpdesk"

# (method, route path template) -> PUBLIC, SESSION or a permission. HEAD is looked up as GET.
ROUTES: dict[tuple[str, str], str] = {
    # the shop's side: widget, tracking, shopper chat, coupons (site key / visitor token)
    ("OPTIONS", "/api/track"): PUBLIC,
    ("POST", "/api/track"): PUBLIC,
    ("GET", "/api/chat/status"): PUBLIC,
    ("POST", "/api/chat/conversations"): PUBLIC,
    ("GET", _SHOPPER_CHAT): PUBLIC,
    ("GET", _SHOPPER_CHAT + "/messages"): PUBLIC,
    ("POST", _SHOPPER_CHAT + "/messages"): PUBLIC,
    ("POST", _SHOPPER_CHAT + "/close"): PUBLIC,
    ("POST", _SHOPPER_CHAT + "/rating"): PUBLIC,
    ("POST", _SHOPPER_CHAT + "/transcript"): PUBLIC,
    (WEBSOCKET, "/ws/chat"): PUBLIC,
    ("OPTIONS", "/api/coupons/check"): PUBLIC,
    ("POST", "/api/coupons/check"): PUBLIC,
    ("POST", "/api/webhooks/interactions"): PUBLIC,  # HMAC-signed by the store's systems
    # pages, assets, health, API docs
    ("GET", "/"): PUBLIC,
    ("GET", "/console"): PUBLIC,
    ("GET", "/widget.js"): PUBLIC,
    ("GET", "/healthz"): PUBLIC,
    ("GET", "/static"): PUBLIC,
    ("GET", "/openapi.json"): PUBLIC,
    ("GET", "/docs"): PUBLIC,
    ("GET", "/docs/oauth2-redirect"): PUBLIC,
    ("GET", "/redoc"): PUBLIC,
    # the demo storefront (only with `demo` on)
    ("GET", "/shop"): PUBLIC,
    ("GET", "/shop/c/{slug}"): PUBLIC,
    ("GET", "/shop/p/{product_id}"): PUBLIC,
    ("GET", "/shop/search"): PUBLIC,
    ("GET", "/shop/cart"): PUBLIC,
    ("GET", "/shop/checkout"): PUBLIC,
    ("GET", "/shop/checkout/{step_name}"): PUBLIC,
    ("GET", "/shop/order/{order_id}"): PUBLIC,
    ("GET", "/shop/info/{slug}"): PUBLIC,
    ("GET", "/shop/account"): PUBLIC,
    ("GET", "/shop/account/signin"): PUBLIC,
    ("GET", "/shop/account/signout"): PUBLIC,
    ("GET", "/shop/static/{path:path}"): PUBLIC,
    ("GET", "/shop/{rest:path}"): PUBLIC,
    # the console session
    ("POST", "/api/auth/login"): PUBLIC,
    ("POST", "/api/auth/logout"): SESSION,
    ("GET", "/api/auth/me"): SESSION,
    ("GET", "/api/chat/me"): SESSION,
    ("PUT", "/api/chat/me"): SESSION,
    # floor
    ("GET", _SITE + "/visits/{visit_id}"): "floor.read",
    (WEBSOCKET, "/ws/floor"): "floor.read",
    # chat (console)
    (WEBSOCKET, "/ws/chat/console"): "chat.read",
    ("GET", _SITE + "/chat/queue"): "chat.read",
    ("GET", _SITE + "/chat/conversations"): "chat.read",
    ("GET", _CHAT): "chat.read",
    ("POST", _CHAT + "/claim"): "chat.reply_own",
    ("POST", _CHAT + "/messages"): "chat.reply_own",
    ("POST", _CHAT + "/transfer"): "chat.reply_own",
    ("POST", _CHAT + "/close"): "chat.reply_own",
    ("GET", _CHAT + "/timeline"): "customers.read",
    ("GET", _SITE + "/chat/associates"): "chat.read",
    ("GET", _SITE + "/chat/canned"): "chat.read",
    ("GET", _SITE + "/chat/attribution"): "chat.read",
    ("GET", _SITE + "/products"): "chat.read",
    ("GET", _SITE + "/tools"): "tools.use",
    ("POST", _SITE + "/tools/{name}"): "tools.use",
    # customers and imports
    ("GET", _SITE + "/customers/{customer_external_id}/timeline"): "customers.read",
    ("POST", _SITE + "/interactions"): "interactions.write",
    ("POST", _SITE + "/imports/{kind}"): "import.run",
    # webhooks
    ("GET", _WEBHOOKS): "webhooks.read",
    ("POST", _WEBHOOKS): "webhooks.manage",
    ("GET", _WEBHOOKS + "/deliveries"): "webhooks.read",
    ("POST", _WEBHOOKS + "/deliveries/{delivery_id}/retry"): "webhooks.manage",
    ("GET", _WEBHOOKS + "/{endpoint_id}"): "webhooks.read",
    ("PATCH", _WEBHOOKS + "/{endpoint_id}"): "webhooks.manage",
    ("DELETE", _WEBHOOKS + "/{endpoint_id}"): "webhooks.manage",
    ("POST", _WEBHOOKS + "/{endpoint_id}/test"): "webhooks.manage",
    # playbooks and tasks
    ("GET", _PLAYBOOKS + "/signals"): "playbooks.read",
    ("GET", _PLAYBOOKS): "playbooks.read",
    ("POST", _PLAYBOOKS): "playbooks.write",
    ("POST", _PLAYBOOKS + "/preview"): "playbooks.read",
    ("GET", _PLAYBOOKS + "/{playbook_id}"): "playbooks.read",
    ("PUT", _PLAYBOOKS + "/{playbook_id}"): "playbooks.write",
    ("POST", _PLAYBOOKS + "/{playbook_id}/enabled"): "playbooks.write",
    ("GET", _PLAYBOOKS + "/{playbook_id}/firings"): "playbooks.read",
    ("GET", _PLAYBOOKS + "/{playbook_id}/lift"): "playbooks.read",
    ("GET", _SITE + "/playbook-coupons"): "playbooks.read",
    ("GET", _SITE + "/coupon-budget"): "playbooks.read",
    ("PUT", _SITE + "/coupon-budget"): "playbooks.write",
    ("GET", _SITE + "/tasks"): "tasks.work",
    ("POST", _SITE + "/tasks/{task_id}/done"): "tasks.work",
    # topics, help desk, analytics
    ("GET", _SITE + "/topics"): "topics.read",
    ("GET", _SITE + "/topics/{topic_id}"): "topics.read",
    ("GET", _HELPDESK + "/groups"): "helpdesk.use",
    ("POST", _HELPDESK + "/groups"): "helpdesk.groups.manage",
    ("PUT", _HELPDESK + "/groups/{group_id}"): "helpdesk.groups.manage",
    ("DELETE", _HELPDESK + "/groups/{group_id}"): "helpdesk.groups.manage",
    ("GET", _HELPDESK + "/threads"): "helpdesk.use",
    ("POST", _HELPDESK + "/threads"): "helpdesk.use",
    ("GET", _HELPDESK + "/threads/{thread_id}"): "helpdesk.use",
    ("POST", _HELPDESK + "/threads/{thread_id}/messages"): "helpdesk.use",
    ("POST", _HELPDESK + "/threads/{thread_id}/status"): "helpdesk.use",
    ("GET", _HELPDESK + "/search"): "helpdesk.use",
    ("GET", _HELPDESK + "/snippets"): "helpdesk.use",
    ("POST", _HELPDESK + "/snippets"): "helpdesk.use",
    ("PUT", _HELPDESK + "/snippets/{snippet_id}"): "helpdesk.use",
    ("DELETE", _HELPDESK + "/snippets/{snippet_id}"): "helpdesk.use",
    ("GET", _SITE + "/analytics"): "analytics.read",
    ("GET", _SITE + "/analytics/{chart}"): "analytics.read",
    # privacy
    ("GET", _SITE + "/customers/{customer_id}/export"): "privacy.export",
    ("DELETE", _SITE + "/customers/{customer_id}"): "privacy.erase",
    ("GET", _SITE + "/privacy"): "audit.read",
    ("PUT", _SITE + "/privacy"): "privacy.manage",
    ("GET", _SITE + "/audit"): "audit.read",
}

# the frames a console socket accepts after its hello: (socket path, frame type) -> access
SOCKET_COMMANDS: dict[tuple[str, str], str] = {
    ("/ws/chat/console", "ping"): SESSION,
    ("/ws/chat/console", "typing"): "chat.reply_own",  # in another's chat: chat.reply_any
}


def roles_with(permission: str) -> frozenset[Role]:
    """The roles holding `permission`; an unknown name is a programming error, not a denial."""
    return PERMISSIONS[permission][0]


def allows(actor: Actor, permission: str) -> bool:
    return actor.role in roles_with(permission)


def require(actor: Actor, permission: str) -> None:
    """403 naming the permission when the actor's role does not hold it."""
    if not allows(actor, permission):
        raise ApiError(403, "forbidden", f"{actor.role}s may not do this (needs {permission})")


def access_for(method: str, path: str | None) -> str | None:
    """The table's answer for a route, or None when the route has no policy."""
    if path is None:
        return None
    return ROUTES.get(("GET" if method == "HEAD" else method, path))


def command_refusal(actor: Actor, socket_path: str, kind: object) -> tuple[str, str] | None:
    """(code, message) of the error frame refusing a socket command, or None when allowed."""
    access = SOCKET_COMMANDS.get((socket_path, kind)) if isinstance(kind, str) else None
    if access is None:
        return "unknown_command", f"unknown command {str(kind)[:40]!r}"
    if access in (PUBLIC, SESSION) or allows(actor, access):
        return None
    return "forbidden", f"{actor.role}s may not send {kind} (needs {access})"


def permissions_markdown() -> str:
    """The permissions table of docs/security.md (a test keeps the page and this in step)."""
    lines = ["| permission | associate | supervisor | admin | allows |", "|---|---|---|---|---|"]
    for name, (roles, what) in PERMISSIONS.items():
        marks = " | ".join("yes" if role in roles else "-" for role in ROLES)
        lines.append(f"| `{name}` | {marks} | {what} |")
    return "\n".join(lines)


def routes_markdown() -> str:
    """The route table of docs/security.md: what each route and socket command needs."""
    lines = ["| method | path | needs |", "|---|---|---|"]
    for (method, path), access in sorted(ROUTES.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        lines.append(f"| {method} | `{path}` | {_needs(access)} |")
    for (socket, kind), access in SOCKET_COMMANDS.items():
        lines.append(f"| frame `{kind}` | `{socket}` | {_needs(access)} |")
    return "\n".join(lines)


def _needs(access: str) -> str:
    return access if access in (PUBLIC, SESSION) else f"`{access}`"


def socket_refusal(actor: Actor, scope: Mapping[str, Any]) -> tuple[str, str] | None:
    """(code, message) refusing a console socket to this actor after its hello, or None."""
    path = getattr(scope.get("route"), "path", None)
    access = access_for(WEBSOCKET, path)
    if access is None:
        return "no_policy", f"no access policy for socket {path}"
    if access in (PUBLIC, SESSION) or allows(actor, access):
        return None
    return "forbidden", f"{actor.role}s may not open this socket (needs {access})"


async def enforce_policy(request: HTTPConnection) -> None:
    """Installed app-wide: the route's entry decides, and a route without one is refused."""
    route = request.scope.get("route")
    websocket = request.scope["type"] == "websocket"
    path = getattr(route, "path", None)
    access = access_for(WEBSOCKET if websocket else request.scope["method"], path)
    if websocket:
        # the console sockets check origin, session, CSRF, site and role in their handshake
        # (salon/web/sockets.py) before anything is sent; only a socket without policy stops here
        if access is None:
            raise WebSocketException(code=1008, reason="no policy for this socket")
        return
    if access is None:
        raise ApiError(403, "no_policy", f"no access policy for {request.scope['method']} {path}")
    if access == PUBLIC:
        return
    from salon.web.services import current_actor  # the web layer imports the domains, not us

    assert isinstance(request, Request)
    actor = await current_actor(request)
    if access == SESSION:
        return
    site_id = request.path_params.get("site_id")
    if site_id is not None:
        access_site(actor, str(site_id))
    require(actor, access)


if __name__ == "__main__":  # python -m salon.identity.policy: the tables for docs/security.md
    print(permissions_markdown(), routes_markdown(), sep="\n\n")
