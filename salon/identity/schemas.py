"""Console auth payloads."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field


class LoginIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    email: Annotated[str, Field(min_length=3, max_length=254)]
    password: Annotated[str, Field(min_length=1, max_length=256)]


class AssociateOut(BaseModel):
    id: str
    name: str
    email: str
    role: str


class SiteOut(BaseModel):
    id: str
    name: str
    key: str


class LoginOut(BaseModel):
    associate: AssociateOut
    csrf_token: str


class MeOut(LoginOut):
    sites: list[SiteOut]
