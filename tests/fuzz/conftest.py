"""The valid seeds every fuzz family starts from, made once per session by the demo."""

from __future__ import annotations

import pytest

from tests.fuzz.seeds import Seeds, make_seeds


@pytest.fixture(scope="session")
def seeds(tmp_path_factory: pytest.TempPathFactory) -> Seeds:
    return make_seeds(tmp_path_factory.mktemp("fuzz-seeds"))
