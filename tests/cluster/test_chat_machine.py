"""The chat lifecycle state machine across two nodes (issue 8, part 4): the shopper's calls hop
between the nodes, the two associates sit on different nodes, and every run keeps each
conversation totally ordered with nothing lost and nothing doubled."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.chat.test_chat_state_machine import run_lifecycle
from tests.cluster.support import cluster

pytestmark = pytest.mark.cluster


def test_conversation_lifecycle_across_two_nodes(tmp_path: Path) -> None:
    limits = {"SALON_CHAT_STARTS_PER_MINUTE": "100000", "SALON_CHAT_MESSAGES_PER_MINUTE": "100000"}
    with cluster(tmp_path, nodes=2, associates=2, env=limits) as c:
        first, second = c.nodes
        team = [c.associate(first, 0), c.associate(second, 1)]
        run_lifecycle([first.base_url, second.base_url], c.site, team, max_examples=8)
