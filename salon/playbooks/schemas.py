"""What a supervisor sends to create or change a playbook: validated before anything is stored."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from salon.playbooks import conditions

Text = Annotated[str, Field(min_length=1, max_length=500)]


class _Action(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AlertAction(_Action):
    """Alert associates: the avatar pulses on the floor, consoles ring."""

    type: Literal["alert"]
    message: Annotated[str, Field(max_length=200)] = ""
    to: Literal["floor", "customer_associate"] = "floor"


class InviteAction(_Action):
    """A proactive chat invitation in the widget."""

    type: Literal["invite"]
    message: Text


class MessageAction(_Action):
    """A message shown in the widget."""

    type: Literal["message"]
    message: Text


class CouponAction(_Action):
    """A personal single-use code, its value chosen per shopper between min and max."""

    type: Literal["coupon"]
    kind: Literal["percent", "amount"]
    min: Annotated[float, Field(gt=0, le=100_000)]
    max: Annotated[float, Field(gt=0, le=100_000)]
    expires_hours: Annotated[int, Field(ge=1, le=24 * 30)] = 48
    min_basket: Annotated[float, Field(ge=0, le=1_000_000)] = 0.0

    @model_validator(mode="after")
    def _bounds(self) -> CouponAction:
        if self.max < self.min:
            raise ValueError("max is below min")
        if self.kind == "percent" and self.max > 50:
            raise ValueError("a percent coupon gives at most 50%")
        return self


class TagAction(_Action):
    type: Literal["tag"]
    tag: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{0,39}$")]


class FollowUpAction(_Action):
    """A task for the customer's associate (or the team) to get back to the customer."""

    type: Literal["follow_up"]
    title: Annotated[str, Field(min_length=1, max_length=200)]
    due_hours: Annotated[int, Field(ge=0, le=24 * 30)] = 24


Action = Annotated[
    AlertAction | InviteAction | MessageAction | CouponAction | TagAction | FollowUpAction,
    Field(discriminator="type"),
]
ACTION_TYPES = ("alert", "invite", "message", "coupon", "tag", "follow_up")


class Caps(BaseModel):
    """A playbook fires at most once per visit; these add longer windows."""

    model_config = ConfigDict(extra="forbid")
    per_visitor_days: Annotated[int, Field(ge=0, le=365)] = 0  # 0: once per visit
    coupon_per_customer_days: Annotated[int, Field(ge=0, le=365)] = 30


class PlaybookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: Annotated[str, Field(min_length=1, max_length=120)]
    description: Annotated[str, Field(max_length=500)] = ""
    enabled: bool = False
    trigger: dict[str, Any]
    actions: Annotated[list[Action], Field(min_length=1, max_length=8)]
    caps: Caps = Field(default_factory=Caps)
    holdout_percent: Annotated[int, Field(ge=0, le=50)] = 10

    @field_validator("trigger")
    @classmethod
    def _trigger(cls, tree: dict[str, Any]) -> dict[str, Any]:
        return conditions.validate(tree)

    @model_validator(mode="after")
    def _one_each(self) -> PlaybookIn:
        kinds = [a.type for a in self.actions]
        if kinds.count("invite") + kinds.count("message") > 1:
            raise ValueError("at most one invite or message per playbook (one card in the widget)")
        if len(set(kinds)) != len(kinds):
            raise ValueError("each action type at most once")
        return self

    def definition(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class EnabledIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enabled: bool


class BudgetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    daily_cap: Annotated[float, Field(ge=0, le=10_000_000)]
