"""Sites, associates and console sessions: who may see what."""

from __future__ import annotations

import asyncio
import hashlib
import secrets
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from salon.core.clock import as_utc, utcnow
from salon.core.errors import ApiError
from salon.core.ids import new_id, new_site_key, new_site_secret, new_token
from salon.db.engine import Database
from salon.identity.models import Associate, AssociateSite, LoginSession, Site

Role = Literal["associate", "supervisor", "admin"]
ROLES: tuple[Role, ...] = ("associate", "supervisor", "admin")

_hasher = PasswordHasher()


@dataclass(frozen=True)
class SiteInfo:
    id: str
    name: str
    key: str
    secret: str
    allowed_origins: tuple[str, ...]
    settings: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class Actor:
    """The authenticated associate behind a request or socket."""

    associate_id: str
    name: str
    email: str
    role: Role
    site_ids: frozenset[str]
    session_id: str
    csrf_token: str

    def public(self) -> dict[str, str]:
        return {"id": self.associate_id, "name": self.name, "email": self.email, "role": self.role}


def _site_info(site: Site) -> SiteInfo:
    return SiteInfo(
        site.id, site.name, site.key, site.secret, tuple(site.allowed_origins), dict(site.settings)
    )


async def create_site(
    db: Database,
    name: str,
    allowed_origins: list[str],
    key: str | None = None,
    secret: str | None = None,
    settings: dict[str, Any] | None = None,
) -> SiteInfo:
    site = Site(
        id=new_id(),
        name=name,
        key=key or new_site_key(),
        secret=secret or new_site_secret(),
        allowed_origins=[o.rstrip("/") for o in allowed_origins],
        settings=settings or {},
    )
    async with db.writer() as session:
        session.add(site)
    return _site_info(site)


class SiteDirectory:
    """Site lookups by public key, cached: the widget hits this on every batch.

    A cached site is read again after `CACHE_SECONDS`, so a change made through any node (allowed
    origins, settings) reaches every node within that time.
    """

    CACHE_SECONDS = 30.0

    def __init__(self, db: Database) -> None:
        self._db = db
        self._by_key: dict[str, tuple[float, SiteInfo]] = {}

    async def by_key(self, key: str) -> SiteInfo | None:
        cached = self._by_key.get(key)
        now = time.monotonic()
        if cached is not None and now - cached[0] < self.CACHE_SECONDS:
            return cached[1]
        async with self._db.reader() as session:
            site = await session.scalar(select(Site).where(Site.key == key))
        if site is None:
            self._by_key.pop(key, None)
            return None
        info = _site_info(site)
        self._by_key[key] = (now, info)
        return info

    async def by_id(self, site_id: str) -> SiteInfo | None:
        async with self._db.reader() as session:
            site = await session.get(Site, site_id)
        return _site_info(site) if site else None

    async def all(self) -> list[SiteInfo]:
        async with self._db.reader() as session:
            return [_site_info(s) for s in (await session.scalars(select(Site))).all()]


async def set_password(db: Database, email: str, password: str) -> None:
    """Give an account a (new) password: imported associates have none until an admin sets it.
    Every open session of the account ends, so a leaked password stops working at once."""
    if len(password) < 8:
        raise ApiError(422, "invalid", "password must have at least 8 characters", "password")
    password_hash = await asyncio.to_thread(_hasher.hash, password)
    async with db.writer() as session:
        associate = await session.scalar(select(Associate).where(Associate.email == email.lower()))
        if associate is None:
            raise ApiError(404, "not_found", f"no associate with e-mail {email}", "email")
        associate.password_hash = password_hash
        await session.execute(
            update(LoginSession)
            .where(LoginSession.associate_id == associate.id, LoginSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )


async def create_associate(
    db: Database, email: str, name: str, password: str, role: str, site_ids: list[str]
) -> str:
    if role not in ROLES:
        raise ApiError(422, "invalid", f"role must be one of {', '.join(ROLES)}", field="role")
    if len(password) < 8:
        raise ApiError(422, "invalid", "password must have at least 8 characters", "password")
    password_hash = await asyncio.to_thread(_hasher.hash, password)
    associate_id = new_id()
    async with db.writer() as session:
        taken = await session.scalar(select(Associate.id).where(Associate.email == email.lower()))
        if taken:
            raise ApiError(409, "conflict", f"an associate with e-mail {email} exists", "email")
        session.add(
            Associate(
                id=associate_id,
                email=email.lower(),
                name=name,
                password_hash=password_hash,
                role=role,
                active=True,
            )
        )
        await session.flush()
        for site_id in site_ids:
            session.add(AssociateSite(associate_id=associate_id, site_id=site_id))
    return associate_id


def _hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def login(db: Database, email: str, password: str, hours: int) -> tuple[str, Actor]:
    """Checks the password (argon2, off the event loop); returns the session token and actor."""
    async with db.reader() as session:
        associate = await session.scalar(
            select(Associate).where(Associate.email == email.lower(), Associate.active.is_(True))
        )
    stored = associate.password_hash if associate else _DUMMY_HASH
    ok = await asyncio.to_thread(_verify, stored, password)
    if associate is None or not ok:
        raise ApiError(401, "bad_credentials", "e-mail or password is not correct")
    token, csrf = new_token(), new_token()
    login_session = LoginSession(
        id=new_id(),
        token_hash=_hash_token(token),
        associate_id=associate.id,
        csrf_token=csrf,
        expires_at=utcnow() + timedelta(hours=hours),
    )
    async with db.writer() as session:
        session.add(login_session)
        actor = await _actor(session, login_session)
    assert actor is not None
    return token, actor


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


_DUMMY_HASH = _hasher.hash("not-a-real-password-only-for-timing")


async def actor_for_token(db: Database, token: str | None) -> Actor | None:
    """The live actor for a session cookie, or None when missing, expired, revoked or removed."""
    if not token or len(token) > 128:
        return None
    async with db.reader() as session:
        login_session = await session.scalar(
            select(LoginSession).where(LoginSession.token_hash == _hash_token(token))
        )
        if login_session is None or login_session.revoked_at is not None:
            return None
        if as_utc(login_session.expires_at) <= utcnow():
            return None
        return await _actor(session, login_session)


async def _actor(session: AsyncSession, login_session: LoginSession) -> Actor | None:
    associate = await session.get(Associate, login_session.associate_id)
    if associate is None or not associate.active:
        return None
    site_ids = (
        await session.scalars(
            select(AssociateSite.site_id).where(AssociateSite.associate_id == associate.id)
        )
    ).all()
    role: Role = "associate"
    for known in ROLES:
        if associate.role == known:
            role = known
    return Actor(
        associate_id=associate.id,
        name=associate.name,
        email=associate.email,
        role=role,
        site_ids=frozenset(site_ids),
        session_id=login_session.id,
        csrf_token=login_session.csrf_token,
    )


async def logout(db: Database, session_id: str) -> None:
    async with db.writer() as session:
        await session.execute(
            update(LoginSession).where(LoginSession.id == session_id).values(revoked_at=utcnow())
        )


async def sites_for(db: Database, actor: Actor) -> list[SiteInfo]:
    async with db.reader() as session:
        sites = (
            await session.scalars(
                select(Site).where(Site.id.in_(actor.site_ids)).order_by(Site.name)
            )
        ).all()
    return [_site_info(s) for s in sites]


def access_site(actor: Actor, site_id: str) -> None:
    """The one check for site scope: 404, as if the site did not exist, when not a member."""
    if site_id not in actor.site_ids:
        raise ApiError(404, "not_found", "site not found")


class RateLimiter:
    """A sliding-window counter per key, shared by every node through Redis when there is one.

    With Redis, each key is a sorted set of hit times trimmed to the window, checked and counted
    in one Lua script (atomic across nodes). Without Redis, or while it is away, the counter is
    this process's own: limits still hold per node rather than failing open everywhere.
    """

    SCRIPT = """
    redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1] - ARGV[2])
    local count = redis.call('ZCARD', KEYS[1])
    if count >= tonumber(ARGV[3]) then
      local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
      return {count, oldest[2]}
    end
    if ARGV[4] == '1' then
      redis.call('ZADD', KEYS[1], ARGV[1], ARGV[5])
      redis.call('PEXPIRE', KEYS[1], math.ceil(ARGV[2] * 1000))
    end
    return {count, '0'}
    """

    def __init__(self, limit: int, window_seconds: float, name: str = "limit") -> None:
        self.limit = limit
        self.window = window_seconds
        self.name = name
        self.redis: Any = None  # redis.asyncio.Redis, set by the app when SALON_REDIS_URL is set
        self._hits: dict[str, deque[float]] = defaultdict(deque)

    def _local_wait(self, key: str) -> int:
        hits = self._hits[key]
        now = time.monotonic()
        while hits and hits[0] <= now - self.window:
            hits.popleft()
        if len(hits) < self.limit:
            return 0
        return max(1, int(hits[0] + self.window - now) + 1)

    async def _shared_wait(self, key: str, count: bool) -> int | None:
        """Seconds to wait from the shared counter (counting this use when allowed), or None."""
        if self.redis is None:
            return None
        now = time.time()
        try:
            _, oldest = await self.redis.eval(
                self.SCRIPT,
                1,
                f"salon:rl:{self.name}:{key}",
                now,
                self.window,
                self.limit,
                "1" if count else "0",
                f"{now}:{secrets.token_hex(4)}",
            )
        except Exception:
            return None  # Redis away: this node's own counter decides
        oldest = float(oldest)
        return 0 if not oldest else max(1, int(oldest + self.window - now) + 1)

    async def retry_after(self, key: str) -> int:
        """Seconds until `key` may try again; 0 when allowed now."""
        shared = await self._shared_wait(key, count=False)
        return self._local_wait(key) if shared is None else shared

    async def hit(self, key: str) -> None:
        self._hits[key].append(time.monotonic())
        if self.redis is not None:
            await self._shared_wait(key, count=True)

    @staticmethod
    def _refuse(wait: int, what: str) -> None:
        raise ApiError(
            429,
            "rate_limited",
            f"too many {what}; try again in {wait} s",
            headers={"Retry-After": str(wait)},
        )

    async def refuse_if_limited(self, key: str, what: str) -> None:
        """429 with Retry-After, naming what was too much, when `key` is over the limit."""
        wait = await self.retry_after(key)
        if wait:
            self._refuse(wait, what)

    async def take(self, key: str, what: str) -> None:
        """Count one use of `key`, refusing it when over the limit (one round trip with Redis)."""
        shared = await self._shared_wait(key, count=True)
        wait = self._local_wait(key) if shared is None else shared
        if wait:
            self._refuse(wait, what)
        self._hits[key].append(time.monotonic())
