"""What the console sends to the help desk: validated before anything is read or stored."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Id = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{32}$")]
Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
Title = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
Question = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
Body = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class GroupIn(_In):
    name: Name
    description: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] = ""
    member_ids: Annotated[list[Id], Field(max_length=200)] = []


class AskIn(_In):
    group_id: Id
    question: Question
    conversation_id: Id | None = None


class ReplyIn(_In):
    body: Body


class StatusIn(_In):
    status: Literal["open", "closed"]


class SnippetIn(_In):
    title: Title
    body: Body


class SnippetFromThreadIn(SnippetIn):
    thread_id: Id
