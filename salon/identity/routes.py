"""Console login, logout and who-am-I."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response

from salon.core.errors import ApiError
from salon.identity import service
from salon.identity.schemas import AssociateOut, LoginIn, LoginOut, MeOut, SiteOut
from salon.identity.service import Actor
from salon.web.services import SESSION_COOKIE, client_ip, current_actor, services

router = APIRouter(prefix="/api/auth", tags=["auth"])


@router.post("/login", response_model=LoginOut)
async def login(body: LoginIn, request: Request, response: Response) -> LoginOut:
    svc = services(request)
    key = f"login:{client_ip(request)}"
    await svc.login_limiter.refuse_if_limited(key, "failed logins")
    try:
        token, actor = await service.login(
            svc.db, body.email, body.password, svc.settings.session_hours
        )
    except ApiError:
        await svc.login_limiter.hit(key)
        raise
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=svc.settings.session_hours * 3600,
        httponly=True,
        secure=svc.settings.cookie_secure,
        samesite="strict",
        path="/",
    )
    return LoginOut(associate=AssociateOut(**actor.public()), csrf_token=actor.csrf_token)


@router.post("/logout", status_code=204)
async def logout(request: Request, actor: Actor = Depends(current_actor)) -> Response:
    await service.logout(services(request).db, actor.session_id)
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


@router.get("/me", response_model=MeOut)
async def me(request: Request, actor: Actor = Depends(current_actor)) -> MeOut:
    sites = await service.sites_for(services(request).db, actor)
    return MeOut(
        associate=AssociateOut(**actor.public()),
        csrf_token=actor.csrf_token,
        sites=[SiteOut(id=s.id, name=s.name, key=s.key) for s in sites],
    )
