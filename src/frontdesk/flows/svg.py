"""Draws a flow as an SVG diagram with a simple layered layout (no Graphviz needed).

Nodes are placed in rows by their longest distance from the start along forward edges, and
ordered within a row by the mean position of the nodes leading to them (two barycentre
sweeps). Edges that go back up (retries, "go back" options) are drawn dashed, around the
right side. Colours tell what a node does: speaks, asks, decides, or hands the call over.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import escape

from frontdesk.flows import model as m

WIDTH, HEIGHT, GAP_X, GAP_Y, MARGIN = 190, 54, 36, 74, 40
COLOURS = {
    "speaks": ("#eef2f6", "#5b6b7c"),
    "asks": ("#e3effc", "#2f6db5"),
    "decides": ("#fdf3dc", "#b7861a"),
    "ends": ("#e4f4e7", "#2e8b47"),
}


def _category(node: m.Node) -> str:
    if node.ENDS:
        return "ends"
    if node.ASKS:
        return "asks"
    return "speaks" if isinstance(node, m.Say | m.Play) else "decides"


def _short(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _summary(node: m.Node) -> str:
    if isinstance(node, m.Say):
        return _short(node.text.variants[0][1].source, 26)
    if isinstance(node, m.Play):
        return _short(node.file.variants[0][1].source, 26)
    if isinstance(node, m.Menu):
        return f"{len(node.options)} options"
    if isinstance(node, m.Gather):
        return f"{node.min_digits}-{node.max_digits} digits -> {node.into}"
    if isinstance(node, m.Lookup):
        return f"{node.source} -> {node.into}"
    if isinstance(node, m.Hours):
        return node.schedule.timezone
    if isinstance(node, m.SetVars):
        return _short(", ".join(name for name, _ in node.values), 26)
    if isinstance(node, m.Queue | m.Voicemail | m.Callback):
        template = node.team if isinstance(node, m.Voicemail) else node.queue
        return _short(template.source, 26)
    if isinstance(node, m.Transfer):
        return _short(f"{node.kind} {node.to.source}", 26)
    if isinstance(node, m.Forward):
        target = node.number or node.agent
        return _short(target.source if target else "", 26)
    if isinstance(node, m.Hangup):
        return _short(node.reason, 26)
    return ""


def _edge_labels(node: m.Node) -> list[tuple[str, str]]:
    if isinstance(node, m.Menu):
        pairs = [
            (f"{o.key or i} {_short(o.label.variants[0][1].source, 18)}", o.goto)
            for i, o in enumerate(node.options, 1)
        ]
        return [*pairs, ("fail", node.on_fail)]
    if isinstance(node, m.Branch):
        pairs = [(_short(case.source, 22), case.goto) for case in node.cases]
        return [*pairs, ("else", node.otherwise)]
    return [("" if label == "next" else label, target) for label, target in node.targets()]


@dataclass(frozen=True, slots=True)
class Layout:
    position: dict[str, tuple[float, float]]  # top-left corner of each node
    back: set[tuple[str, str]]  # edges drawn as going back up
    width: float
    height: float


def _order(flow: m.Flow) -> tuple[list[str], set[tuple[str, str]]]:
    """Nodes in reverse DFS postorder (start first) and the DFS back edges."""
    edges = {
        nid: [t for _, t in _edge_labels(n) if t in flow.nodes] for nid, n in flow.nodes.items()
    }
    state: dict[str, int] = {}
    post: list[str] = []
    back: set[tuple[str, str]] = set()
    for root in [flow.start, *flow.nodes]:
        if root in state:
            continue
        state[root] = 1
        work = [(root, 0)]
        while work:
            node, i = work.pop()
            if i < len(edges[node]):
                work.append((node, i + 1))
                nxt = edges[node][i]
                if state.get(nxt) == 1:
                    back.add((node, nxt))
                elif nxt not in state:
                    state[nxt] = 1
                    work.append((nxt, 0))
                continue
            state[node] = 2
            post.append(node)
    return list(reversed(post)), back


def layout(flow: m.Flow) -> Layout:
    order, back = _order(flow)
    preds: dict[str, list[str]] = {nid: [] for nid in flow.nodes}
    layer: dict[str, int] = {nid: 0 for nid in order}
    for nid in order:
        for _, target in _edge_labels(flow.nodes[nid]):
            if target in flow.nodes and (nid, target) not in back:
                preds[target].append(nid)
                layer[target] = max(layer[target], layer[nid] + 1)
    rows: list[list[str]] = [[] for _ in range(max(layer.values()) + 1)]
    for nid in order:
        rows[layer[nid]].append(nid)
    for _ in range(2):
        slot = {nid: i for row in rows for i, nid in enumerate(row)}
        for row in rows[1:]:
            row.sort(key=lambda n: sum(slot[p] for p in preds[n]) / max(len(preds[n]), 1))
            slot.update({nid: i for i, nid in enumerate(row)})
    widest = max(len(row) for row in rows)
    width = 2 * MARGIN + widest * WIDTH + (widest - 1) * GAP_X + 120
    position: dict[str, tuple[float, float]] = {}
    for depth, row in enumerate(rows):
        row_width = len(row) * WIDTH + (len(row) - 1) * GAP_X
        left = (width - 120 - row_width) / 2
        for i, nid in enumerate(row):
            position[nid] = (left + i * (WIDTH + GAP_X), MARGIN + 30 + depth * (HEIGHT + GAP_Y))
    height = MARGIN * 2 + 30 + len(rows) * (HEIGHT + GAP_Y)
    return Layout(position, back, width, height)


def _bezier(points: tuple[float, ...], t: float) -> tuple[float, float]:
    x0, y0, x1, y1, x2, y2, x3, y3 = points
    u = 1 - t
    x = u**3 * x0 + 3 * u * u * t * x1 + 3 * u * t * t * x2 + t**3 * x3
    y = u**3 * y0 + 3 * u * u * t * y1 + 3 * u * t * t * y2 + t**3 * y3
    return x, y


def _edge(layout: Layout, source: str, target: str, label: str, share: float) -> str:
    """One edge; `share` (0-1) spreads a node's outgoing edges along its bottom side."""
    sx, sy = layout.position[source]
    tx, ty = layout.position[target]
    if (source, target) in layout.back or ty <= sy:
        x1, y1, x2, y2 = sx + WIDTH, sy + HEIGHT / 2, tx + WIDTH, ty + HEIGHT / 2
        bend = max(x1, x2) + 60
        points = (x1, y1, bend, y1, bend, y2, x2, y2)
        lx, ly = bend - 10, (y1 + y2) / 2
        style = ' stroke-dasharray="5 4"'
    else:
        x1, y1, x2, y2 = sx + WIDTH * (0.2 + 0.6 * share), sy + HEIGHT, tx + WIDTH / 2, ty
        mid = (y1 + y2) / 2
        points = (x1, y1, x1, mid, x2, mid, x2, y2)
        lx, ly = _bezier(points, 0.62 if ty - sy <= HEIGHT + GAP_Y else 0.2)
        style = ""
    path = "M{:.0f},{:.0f} C{:.0f},{:.0f} {:.0f},{:.0f} {:.0f},{:.0f}".format(*points)
    text = f'<text x="{lx:.0f}" y="{ly:.0f}" class="label">{escape(label)}</text>' if label else ""
    return f'<path d="{path}" class="edge"{style} marker-end="url(#arrow)"/>{text}'


def _edges_of(plan: Layout, flow: m.Flow, nid: str) -> list[str]:
    merged: dict[str, list[str]] = {}  # one arrow per target, its labels joined
    for label, target in _edge_labels(flow.nodes[nid]):
        if target in flow.nodes:
            merged.setdefault(target, []).extend([label] if label else [])
    pairs = [(" / ".join(labels), target) for target, labels in merged.items()]
    pairs.sort(key=lambda pair: plan.position[pair[1]][0])
    count = len(pairs)
    return [
        _edge(plan, nid, target, label, (i + 0.5) / count)
        for i, (label, target) in enumerate(pairs)
    ]


def _box(layout: Layout, node: m.Node) -> str:
    x, y = layout.position[node.id]
    fill, stroke = COLOURS[_category(node)]
    return (
        f'<g><rect x="{x:.0f}" y="{y:.0f}" width="{WIDTH}" height="{HEIGHT}" rx="9" '
        f'fill="{fill}" stroke="{stroke}" stroke-width="1.6"/>'
        f'<text x="{x + WIDTH / 2:.0f}" y="{y + 22:.0f}" class="id">{escape(node.id)}</text>'
        f'<text x="{x + WIDTH / 2:.0f}" y="{y + 41:.0f}" class="info">'
        f"{escape(node.TYPE)} · {escape(_summary(node))}</text></g>"
    )


def render_svg(flow: m.Flow) -> str:
    """The whole diagram as an SVG document."""
    plan = layout(flow)
    edges = [edge for nid in flow.nodes for edge in _edges_of(plan, flow, nid)]
    boxes = [_box(plan, node) for node in flow.nodes.values()]
    legend = "".join(
        f'<rect x="{MARGIN + i * 110}" y="14" width="14" height="14" rx="3" fill="{fill}" '
        f'stroke="{stroke}"/><text x="{MARGIN + 20 + i * 110}" y="26" class="legend">{name}</text>'
        for i, (name, (fill, stroke)) in enumerate(COLOURS.items())
    )
    title = (
        f'<text x="{plan.width - MARGIN:.0f}" y="26" class="title">flow {escape(flow.name)}</text>'
    )
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{plan.width:.0f}" '
        f'height="{plan.height:.0f}" viewBox="0 0 {plan.width:.0f} {plan.height:.0f}" '
        'font-family="DejaVu Sans, Helvetica, Arial, sans-serif">'
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" '
        'markerWidth="7" markerHeight="7" orient="auto-start-reverse">'
        '<path d="M0,0 L10,5 L0,10 z" fill="#555"/></marker>'
        "<style>.edge{fill:none;stroke:#777;stroke-width:1.3}"
        ".label{font-size:11px;text-anchor:middle;fill:#333;paint-order:stroke;stroke:#fff;stroke-width:3px}"
        ".id{font-size:14px;font-weight:bold;text-anchor:middle;fill:#1d2530}"
        ".info{font-size:11px;text-anchor:middle;fill:#44505e}"
        ".legend{font-size:12px;fill:#333}.title{font-size:15px;text-anchor:end;fill:#333}"
        "</style></defs>"
        f'<rect width="100%" height="100%" fill="#fff"/>{legend}{title}'
        + "".join(edges)
        + "".join(boxes)
        + "</svg>\n"
    )
