"""The help desk: associates ask expert groups from inside a chat, experts answer, and answers
worth keeping become knowledge snippets (and canned replies).

Every write commits first and then publishes on the bus: `helpdesk.question` (the contract the
recurring-questions domain reads) and `helpdesk.thread` (the console relay, salon/helpdesk/live.py).
Threads are readable by every associate of the site (the help desk is shared knowledge); only the
group's members and supervisors answer.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from salon.chat.store import iso
from salon.core.bus import EventBus
from salon.core.clock import utcnow
from salon.core.errors import ApiError
from salon.core.ids import new_id
from salon.db.engine import Database
from salon.helpdesk.models import (
    ExpertGroup,
    ExpertMember,
    HelpMessage,
    HelpThread,
)
from salon.helpdesk.schemas import AskIn, GroupIn
from salon.identity import policy
from salon.identity.models import Associate, AssociateSite
from salon.identity.service import Actor, access_site

TOPIC_HELP_QUESTION = "helpdesk.question"  # {"site_id", "thread_id", "text", "at", "associate_id"}
TOPIC_HELP_THREAD = "helpdesk.thread"  # {"site_id", "thread_id", "event"}: consoles refresh it
THREAD_SCOPES = ("queue", "mine", "all")


def is_supervisor(actor: Actor) -> bool:
    """Answers (and sees) every expert group's questions, not only its own groups'."""
    return policy.allows(actor, "helpdesk.answer_any")


def require_supervisor(actor: Actor, site_id: str) -> None:
    access_site(actor, site_id)
    policy.require(actor, "helpdesk.groups.manage")


# -- groups ------------------------------------------------------------------------------------
async def get_group(
    session: AsyncSession, site_id: str, group_id: str, field: str | None = None
) -> ExpertGroup:
    group = await session.get(ExpertGroup, group_id)
    if group is None or group.site_id != site_id:
        raise ApiError(404, "not_found", "expert group not found", field)
    return group


async def groups_of(session: AsyncSession, associate_id: str) -> set[str]:
    rows = await session.scalars(
        select(ExpertMember.group_id).where(ExpertMember.associate_id == associate_id)
    )
    return set(rows.all())


async def member_ids(session: AsyncSession, group_id: str) -> set[str]:
    rows = await session.scalars(
        select(ExpertMember.associate_id).where(ExpertMember.group_id == group_id)
    )
    return set(rows.all())


async def list_groups(session: AsyncSession, site_id: str, actor: Actor) -> list[dict[str, Any]]:
    groups = (
        await session.scalars(
            select(ExpertGroup).where(ExpertGroup.site_id == site_id).order_by(ExpertGroup.name)
        )
    ).all()
    members: dict[str, list[dict[str, str]]] = defaultdict(list)
    if groups:
        rows = await session.execute(
            select(ExpertMember.group_id, Associate.id, Associate.name)
            .join(Associate, Associate.id == ExpertMember.associate_id)
            .where(ExpertMember.group_id.in_([g.id for g in groups]))
            .order_by(Associate.name)
        )
        for group_id, associate_id, name in rows.all():
            members[group_id].append({"id": associate_id, "name": name})
    return [
        {
            "id": g.id,
            "name": g.name,
            "description": g.description,
            "members": members[g.id],
            "member": any(m["id"] == actor.associate_id for m in members[g.id]),
        }
        for g in groups
    ]


async def _check_members(session: AsyncSession, site_id: str, ids: list[str]) -> list[str]:
    wanted = list(dict.fromkeys(ids))
    if not wanted:
        return []
    found = set(
        (
            await session.scalars(
                select(AssociateSite.associate_id).where(
                    AssociateSite.site_id == site_id, AssociateSite.associate_id.in_(wanted)
                )
            )
        ).all()
    )
    for index, associate_id in enumerate(wanted):
        if associate_id not in found:
            raise ApiError(
                422,
                "invalid",
                f"member_ids[{index}]: not an associate of this site",
                f"member_ids[{index}]",
            )
    return wanted


async def save_group(db: Database, site_id: str, data: GroupIn, group_id: str | None = None) -> str:
    """Create (no id) or replace a group's name, description and members."""
    async with db.writer() as session:
        clash = await session.scalar(
            select(ExpertGroup.id).where(
                ExpertGroup.site_id == site_id, ExpertGroup.name == data.name
            )
        )
        if clash is not None and clash != group_id:
            raise ApiError(409, "duplicate", f"name: a group {data.name!r} exists", "name")
        wanted = await _check_members(session, site_id, data.member_ids)
        if group_id is None:
            group = ExpertGroup(id=new_id(), site_id=site_id, name=data.name, created_at=utcnow())
            session.add(group)
        else:
            group = await get_group(session, site_id, group_id)
            await session.execute(delete(ExpertMember).where(ExpertMember.group_id == group.id))
        group.name, group.description = data.name, data.description
        await session.flush()
        session.add_all(ExpertMember(group_id=group.id, associate_id=a) for a in wanted)
        return group.id


async def delete_group(db: Database, site_id: str, group_id: str) -> None:
    async with db.writer() as session:
        await session.delete(await get_group(session, site_id, group_id))


# -- threads -----------------------------------------------------------------------------------
async def access_thread(
    session: AsyncSession, actor: Actor, site_id: str, thread_id: str
) -> HelpThread:
    """The one check for threads: 404 for another site's, as if it did not exist."""
    access_site(actor, site_id)
    thread = await session.get(HelpThread, thread_id)
    if thread is None or thread.site_id != site_id:
        raise ApiError(404, "not_found", "thread not found")
    return thread


async def can_answer(session: AsyncSession, actor: Actor, thread: HelpThread) -> bool:
    return is_supervisor(actor) or thread.group_id in await groups_of(session, actor.associate_id)


async def thread_views(
    session: AsyncSession, threads: list[HelpThread], actor: Actor | None = None
) -> list[dict[str, Any]]:
    if not threads:
        return []
    ids = [t.id for t in threads]
    names = dict(
        (
            await session.execute(
                select(ExpertGroup.id, ExpertGroup.name).where(
                    ExpertGroup.id.in_({t.group_id for t in threads})
                )
            )
        ).all()
    )
    messages: dict[str, list[dict[str, Any]]] = defaultdict(list)
    rows = await session.scalars(
        select(HelpMessage)
        .where(HelpMessage.thread_id.in_(ids))
        .order_by(HelpMessage.created_at, HelpMessage.id)
    )
    for m in rows.all():
        messages[m.thread_id].append(
            {
                "id": m.id,
                "kind": m.kind,
                "body": m.body,
                "author": {"id": m.author_id, "name": m.author_name},
                "created_at": iso(m.created_at),
            }
        )
    mine = await groups_of(session, actor.associate_id) if actor else set()
    return [
        {
            "id": t.id,
            "group": {"id": t.group_id, "name": names.get(t.group_id, "")},
            "asker": {"id": t.asked_by, "name": t.asker_name},
            "conversation_id": t.conversation_id,
            "question": t.question,
            "context": t.context,
            "status": t.status,
            "created_at": iso(t.created_at),
            "updated_at": iso(t.updated_at),
            "answered_at": iso(t.answered_at),
            "messages": messages[t.id],
            "can_answer": actor is not None and (is_supervisor(actor) or t.group_id in mine),
        }
        for t in threads
    ]


async def list_threads(
    session: AsyncSession,
    actor: Actor,
    site_id: str,
    scope: str,
    conversation_id: str | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """`queue`: open questions to my groups (all groups for supervisors), oldest first;
    `mine`: what I asked; `all`: the site's, newest first."""
    query = select(HelpThread).where(HelpThread.site_id == site_id)
    if conversation_id is not None:
        query = query.where(HelpThread.conversation_id == conversation_id)
    if scope == "queue":
        query = query.where(HelpThread.status == "open").order_by(HelpThread.created_at)
        if not is_supervisor(actor):
            query = query.where(
                HelpThread.group_id.in_(await groups_of(session, actor.associate_id))
            )
    elif scope == "mine":
        query = query.where(HelpThread.asked_by == actor.associate_id)
        query = query.order_by(HelpThread.created_at.desc())
    else:
        query = query.order_by(HelpThread.created_at.desc())
    found = list((await session.scalars(query.limit(limit))).all())
    return await thread_views(session, found, actor)


async def ask(
    db: Database,
    bus: EventBus,
    actor: Actor,
    site_id: str,
    data: AskIn,
    context: dict[str, Any],
) -> dict[str, Any]:
    """A new question to a group, with the shopper's context as it is now."""
    now = utcnow()
    async with db.writer() as session:
        await get_group(session, site_id, data.group_id, "group_id")
        thread = HelpThread(
            id=new_id(),
            site_id=site_id,
            group_id=data.group_id,
            asked_by=actor.associate_id,
            asker_name=actor.name,
            conversation_id=data.conversation_id,
            question=data.question,
            context=context,
            status="open",
            created_at=now,
            updated_at=now,
        )
        session.add(thread)
        await session.flush()
        session.add(_message(thread.id, actor, "question", data.question, now))
        await session.flush()
        view = (await thread_views(session, [thread], actor))[0]
    await bus.publish(
        TOPIC_HELP_QUESTION,
        {
            "site_id": site_id,
            "thread_id": thread.id,
            "text": data.question,
            "at": now.timestamp(),
            "associate_id": actor.associate_id,
        },
    )
    await _announce(bus, thread, "question")
    return view


async def reply(
    db: Database, bus: EventBus, actor: Actor, site_id: str, thread_id: str, body: str
) -> dict[str, Any]:
    """The asker's follow-up puts the thread back in the queue; an expert's answer answers it."""
    now = utcnow()
    async with db.writer() as session:
        thread = await access_thread(session, actor, site_id, thread_id)
        if thread.status == "closed":
            raise ApiError(409, "closed", "status: the thread is closed; reopen it first", "status")
        if thread.asked_by == actor.associate_id:
            kind, thread.status = "follow_up", "open"
        elif await can_answer(session, actor, thread):
            kind, thread.status = "answer", "answered"
            thread.answered_at = thread.answered_at or now
        else:
            raise ApiError(403, "not_expert", "only the group's experts and supervisors answer")
        thread.updated_at = now
        session.add(_message(thread.id, actor, kind, body, now))
        await session.flush()
        view = (await thread_views(session, [thread], actor))[0]
    await _announce(bus, thread, kind)
    return view


async def set_status(
    db: Database, bus: EventBus, actor: Actor, site_id: str, thread_id: str, status: str
) -> dict[str, Any]:
    async with db.writer() as session:
        thread = await access_thread(session, actor, site_id, thread_id)
        if thread.asked_by != actor.associate_id and not await can_answer(session, actor, thread):
            raise ApiError(403, "forbidden", "only the asker, the experts or a supervisor can")
        if status == "closed":
            thread.status = "closed"
        else:
            thread.status = "answered" if thread.answered_at else "open"
        thread.updated_at = utcnow()
        await session.flush()
        view = (await thread_views(session, [thread], actor))[0]
    await _announce(bus, thread, "status")
    return view


def _message(thread_id: str, actor: Actor, kind: str, body: str, at: Any) -> HelpMessage:
    return HelpMessage(
        id=new_id(),
        thread_id=thread_id,
        author_id=actor.associate_id,
        author_name=actor.name,
        kind=kind,
        body=body,
        created_at=at,
    )


async def _announce(bus: EventBus, thread: HelpThread, event: str) -> None:
    await bus.publish(
        TOPIC_HELP_THREAD, {"site_id": thread.site_id, "thread_id": thread.id, "event": event}
    )
