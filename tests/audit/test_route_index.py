"""RouteIndex answers exactly what scanning every route with pattern_covers answers."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from auditor.audit.routes import RouteIndex, pattern_covers
from auditor.model.baseline import RoutePattern
from auditor.model.snapshot import Route

SEGMENTS = st.sampled_from(["a", "ab", "b", "{id}", "{x}", "a.b"])
METHODS = st.sampled_from(["GET", "POST", "ANY"])


@st.composite
def paths(draw: st.DrawFn, greedy: bool = True) -> str:
    segments = draw(st.lists(SEGMENTS, max_size=3))
    if greedy and draw(st.booleans()):
        segments.append("{proxy+}")  # a greedy parameter is only ever the last segment
    return "/" + "/".join(segments)


@st.composite
def patterns(draw: st.DrawFn) -> RoutePattern:
    method = draw(st.sampled_from(["GET", "POST", "ANY", "*"]))
    beneath = draw(st.booleans())
    path = draw(paths(greedy=not beneath))
    if beneath:
        path = path.rstrip("/") + "/*"
    return RoutePattern.parse(f"{method} {path}")


@given(st.lists(st.tuples(METHODS, paths()), max_size=12), st.lists(patterns(), max_size=4))
def test_named_by_equals_a_scan(live: list[tuple[str, str]], wanted: list[RoutePattern]) -> None:
    routes = [Route(method=m, path=p, authorization_type="AWS_IAM") for m, p in live]
    index = RouteIndex((route, position) for position, route in enumerate(routes))
    named: set[int] = set()
    for pattern in wanted:
        scanned = [i for i, r in enumerate(routes) if pattern_covers(pattern, r.method, r.path)]
        assert index.named_by(pattern) == scanned
        named.update(scanned)
    assert index.covered(wanted) == {id(position) for position in named}
