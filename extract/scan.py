"""Geometry of a scanned page, on OpenCV: ink, quarter turns and skew, ruled tables and their merged cells, and
the text lines inside one cell. No OCR here (extract/ocr.py reads what this finds).

- Ink: darker than the neighbourhood's mean by a margin, after a small blur (mild scanner noise; thin grey
  rules stay whole); specks smaller than a full stop are dropped per cell.
- Quarter turns: text lines smeared sideways form long flat blobs on an upright page and tall thin ones on a
  page turned by 90°; upright vs. upside down is left to the OCR's confidence (extract/ocr.py).
- Skew: the angle at which the ink's row profile is sharpest (rules and text lines both run level then).
- Tables: rules are what stays dark through an opening with a long flat (or tall) kernel. Row and column
  boundaries are where rules run; two neighbouring grid positions belong to one merged cell when no rule
  separates them. A table opened or cut by a page break (vertical rules without a rule across their ends) is
  closed at their ends, as extract/pdf.py does.
- Signs: a line that begins with a flat dash at mid-height before full-height marks (`-3`), which a recogniser
  can drop; not the arm of a `+`.
"""
from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

MIN_RULE = 24  # px: a rule is at least this long (text strokes at 150 dpi are shorter)
MIN_TABLE = 60  # px: a table is at least this wide and tall
SPECK = 5  # px of ink: smaller components in a cell are noise
RULE_DARK = 14  # grey levels darker than the paper all along a rule
_ALSO_A_RULE = 0.5  # a line beside a longer one, a few px apart, at least this share of its length: a rule too


@dataclass(frozen=True)
class GridCell:
    row: int
    col: int
    rows: int  # rows spanned
    cols: int
    box: tuple[int, int, int, int]  # (x0, y0, x1, y1) in pixels, rules included


@dataclass(frozen=True)
class Grid:
    box: tuple[int, int, int, int]
    n_rows: int
    n_cols: int
    cells: tuple[GridCell, ...]  # origin cells in reading order; covered positions are absent


def ink(gray: np.ndarray) -> np.ndarray:
    """Binary image, ink 255."""
    blur = cv2.GaussianBlur(gray, (3, 3), 0)
    return cv2.adaptiveThreshold(blur, 255, cv2.ADAPTIVE_THRESH_MEAN_C, cv2.THRESH_BINARY_INV, 31, 24)


def rules(gray: np.ndarray, glyph: int) -> tuple[np.ndarray, np.ndarray]:
    """(horizontal, vertical) rule masks. Found on the grey image, not the ink: a thin grey rule that
    thresholding breaks into dashes is still darker than the paper all along its length. Text that blur runs
    together is shorter than a rule: flat pieces under 3.5 glyphs and tall ones under 2 are dropped."""
    paper = int(np.median(gray))
    dark = cv2.subtract(np.full_like(gray, paper), cv2.GaussianBlur(gray, (3, 3), 0))
    masks = []
    for flat in (True, False):
        k = max(MIN_RULE, int(2.2 * glyph)) if flat else max(MIN_RULE, int(1.7 * glyph))
        size = (k, 1) if flat else (1, k)
        opened = cv2.morphologyEx(dark, cv2.MORPH_OPEN, cv2.getStructuringElement(cv2.MORPH_RECT, size))
        mask = np.where(opened > RULE_DARK, 255, 0).astype(np.uint8)
        n, labels, stats, _ = cv2.connectedComponentsWithStats(mask)
        length = stats[:, cv2.CC_STAT_WIDTH if flat else cv2.CC_STAT_HEIGHT]
        keep = length >= (3.5 if flat else 2.0) * glyph
        keep[0] = False
        masks.append(np.where(keep[labels], 255, 0).astype(np.uint8))
    return masks[0], masks[1]


def text_is_vertical(gray: np.ndarray, binary: np.ndarray) -> bool:
    """True when the page's text lines run up and down (the page is turned by a quarter)."""
    h_rules, v_rules = rules(gray, text_height(binary))
    text = cv2.subtract(binary, cv2.bitwise_or(h_rules, v_rules))
    small = cv2.resize(text, (text.shape[1] // 2, text.shape[0] // 2), interpolation=cv2.INTER_AREA)
    flat = tall = 0
    for kernel, is_flat in (((7, 1), True), ((1, 7), False)):
        smear = cv2.dilate(small, cv2.getStructuringElement(cv2.MORPH_RECT, kernel))
        n, _, stats, _ = cv2.connectedComponentsWithStats(smear)
        for x, y, bw, bh, area in stats[1:]:
            long, short = (bw, bh) if is_flat else (bh, bw)
            if long >= 4 * short and long >= 30:
                if is_flat:
                    flat += long
                else:
                    tall += long
    return tall > 1.5 * flat


def skew_angle(binary: np.ndarray) -> float:
    """Degrees to rotate by (counter-clockwise, OpenCV's sense) so that rules and text lines run level: the
    angle at which the ink's row profile is sharpest (coarse steps, then fine ones around the best)."""
    h, w = binary.shape
    small = cv2.resize(binary, (w // 3, h // 3), interpolation=cv2.INTER_AREA)
    centre = (small.shape[1] / 2, small.shape[0] / 2)

    def score(a: float) -> float:
        m = cv2.getRotationMatrix2D(centre, a, 1)
        rows = cv2.warpAffine(small, m, small.shape[::-1]).sum(axis=1, dtype=np.float64)
        return float(np.square(np.diff(rows)).sum())

    best = max(np.arange(-5, 5.01, 0.25), key=score)
    return float(max(np.arange(best - 0.25, best + 0.26, 0.05), key=score))


def rotate(gray: np.ndarray, degrees: float) -> np.ndarray:
    """Rotated about the centre, canvas grown to keep every corner, white fill."""
    h, w = gray.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1)
    cos, sin = abs(m[0, 0]), abs(m[0, 1])
    nw, nh = int(h * sin + w * cos + 0.5), int(h * cos + w * sin + 0.5)
    m[0, 2] += nw / 2 - w / 2
    m[1, 2] += nh / 2 - h / 2
    return cv2.warpAffine(gray, m, (nw, nh), flags=cv2.INTER_LINEAR, borderValue=255)


def find_grids(h_rules: np.ndarray, v_rules: np.ndarray) -> list[Grid]:
    """The ruled tables of an upright page (its rule masks), top to bottom."""
    both = cv2.bitwise_or(h_rules, v_rules)
    n, _, stats, _ = cv2.connectedComponentsWithStats(cv2.dilate(both, np.ones((5, 5), np.uint8)))
    boxes = [(x, y, x + bw, y + bh) for x, y, bw, bh, _ in stats[1:] if bw >= MIN_TABLE and bh >= MIN_TABLE]
    grids = [g for g in (_grid(h_rules, v_rules, b) for b in sorted(boxes, key=lambda b: (b[1], b[0]))) if g]
    return grids


def _positions(mask: np.ndarray, axis: int, min_run: int) -> list[int]:
    """Centres of the rules in `mask` (axis 0: horizontal rules, by row; 1: vertical, by column): of the rows
    (columns) of each bunch, those whose run is near the longest (a short stroke of text beside a rule does
    not move it). Lines of a bunch a few pixels apart and both long are two rules (an empty column's, or two
    stacked tables' rules that nearly meet), not one between them."""
    runs = _longest_runs(mask if axis == 0 else mask.T)
    hits = np.flatnonzero(runs >= min_run)
    out: list[list[int]] = []
    for p in hits:
        if out and p - out[-1][-1] <= 3:
            out[-1].append(int(p))
        else:
            out.append([int(p)])
    centres = []
    for g in out:
        top = max(runs[p] for p in g)
        lines: list[list[int]] = []
        for p in (p for p in g if runs[p] >= _ALSO_A_RULE * top):
            if lines and p - lines[-1][-1] <= 1:
                lines[-1].append(p)
            else:
                lines.append([p])
        for line in lines:
            longest = max(runs[p] for p in line)
            near = [p for p in line if runs[p] >= 0.8 * longest]
            centres.append(int(round(sum(near) / len(near))))
    return centres


def _longest_runs(mask: np.ndarray) -> np.ndarray:
    """Per row of `mask`, the longest run of ink."""
    on = (mask > 0).astype(np.int8)
    padded = np.pad(on, ((0, 0), (1, 1)))
    d = np.diff(padded, axis=1)
    out = np.zeros(mask.shape[0], dtype=np.int64)
    for r in np.flatnonzero(on.any(axis=1)):
        starts, ends = np.flatnonzero(d[r] == 1), np.flatnonzero(d[r] == -1)
        out[r] = int((ends - starts).max())
    return out


def _grid(h_rules: np.ndarray, v_rules: np.ndarray, box: tuple[int, int, int, int]) -> Grid | None:
    x0, y0, x1, y1 = box
    hm, vm = h_rules[y0:y1, x0:x1], v_rules[y0:y1, x0:x1]
    ys = _positions(hm, 0, MIN_RULE)
    xs = _positions(vm, 1, MIN_RULE)
    if len(xs) < 2:
        return None
    # closed where a page break opened or cut it: the ends of the vertical rules
    rows_with_v = np.flatnonzero(vm.any(axis=1))
    for end, out in ((int(rows_with_v.min()), -4), (int(rows_with_v.max()), 4)):
        if not any(abs(y - end) <= 6 for y in ys):
            ys.append(min(max(end + out, 0), vm.shape[0] - 1))  # beyond the end: a cut row's text stays whole
    ys = sorted(ys)
    # a rule that does not run from rule to rule along some cell is text that blur ran together (a tight
    # table's strokes touch its rules)
    ys = [y for i, y in enumerate(ys) if i in (0, len(ys) - 1) or _runs(hm, y, xs, False)]
    ends = [min(max(y, int(rows_with_v.min())), int(rows_with_v.max())) for y in ys]  # closed rows: to the rules' ends
    xs = [x for i, x in enumerate(xs) if i in (0, len(xs) - 1) or _runs(vm, x, ends, True)]
    if len(ys) < 2 or len(xs) < 2:
        return None
    nr, nc = len(ys) - 1, len(xs) - 1
    parent = list(range(nr * nc))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for r in range(nr):
        for c in range(nc):
            if c + 1 < nc and not _ruled(vm, xs[c + 1], ends[r], ends[r + 1], True):
                parent[find(r * nc + c + 1)] = find(r * nc + c)
            if r + 1 < nr and not _ruled(hm, ys[r + 1], xs[c], xs[c + 1], False):
                parent[find((r + 1) * nc + c)] = find(r * nc + c)
    groups: dict[int, list[tuple[int, int]]] = {}
    for r in range(nr):
        for c in range(nc):
            groups.setdefault(find(r * nc + c), []).append((r, c))
    cells = []
    for members in groups.values():
        r0, c0 = min(m[0] for m in members), min(m[1] for m in members)
        r1, c1 = max(m[0] for m in members), max(m[1] for m in members)
        cells.append(GridCell(r0, c0, r1 - r0 + 1, c1 - c0 + 1,
                              (x0 + xs[c0], y0 + ys[r0], x0 + xs[c1 + 1], y0 + ys[r1 + 1])))
    cells.sort(key=lambda g: (g.row, g.col))
    return Grid((x0, y0, x1, y1), nr, nc, tuple(cells))


def text_height(binary: np.ndarray) -> int:
    """The usual height of a character on the page (the median of the glyph-shaped ink components), px."""
    _, _, stats, _ = cv2.connectedComponentsWithStats(cv2.dilate(binary, np.ones((1, 3), np.uint8)))
    heights = [bh for _, _, bw, bh, _ in stats[1:] if 8 <= bh <= 80 and 0.3 * bh <= bw <= 4 * bh]
    return int(np.median(heights)) if heights else 20


def _runs(mask: np.ndarray, along: int, cuts: list[int], vertical: bool) -> bool:
    """A rule runs at `along` from rule to rule past one cell (a vertical rule: a row cut by a page break has
    its own) or past two neighbouring cells (a horizontal one: blur can run a tight line of text together
    across its cell)."""
    ruled = [_ruled(mask, along, a, b, vertical) for a, b in zip(cuts, cuts[1:])]
    return any(ruled) if vertical or len(ruled) == 1 else any(p and q for p, q in zip(ruled, ruled[1:]))


def unruled(gray: np.ndarray, binary: np.ndarray, h_rules: np.ndarray, v_rules: np.ndarray,
            grids: list[Grid]) -> tuple:
    """The page and its ink with the tables' rules (and their blurred edges) painted over with paper: only
    along the rows' and columns' boundaries (elsewhere a "rule" is text that blur ran together)."""
    along_h = np.zeros(gray.shape, dtype=bool)
    along_v = np.zeros(gray.shape, dtype=bool)
    for g in grids:
        for c in g.cells:
            for y in (c.box[1], c.box[3]):
                along_h[max(y - 4, 0):y + 5, max(c.box[0] - 4, 0):c.box[2] + 5] = True
            for x in (c.box[0], c.box[2]):
                along_v[max(c.box[1] - 4, 0):c.box[3] + 5, max(x - 4, 0):x + 5] = True
    rule = (h_rules > 0) & along_h | (v_rules > 0) & along_v
    rule = cv2.dilate(rule.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    return np.where(rule, np.uint8(int(np.median(gray))), gray), np.where(rule, np.uint8(0), binary)


def _ruled(mask: np.ndarray, along: int, a: int, b: int, vertical: bool) -> bool:
    """A rule runs at `along` from the rule at `a` to the rule at `b`, meeting both (a glyph's stroke that
    blur joined to one rule stops short of the other)."""
    lo, hi = a + 1, b - 1
    if hi <= lo:
        return True
    strip = mask[lo:hi, max(along - 3, 0):along + 4] if vertical else mask[max(along - 3, 0):along + 4, lo:hi]
    return strip.any(axis=1 if vertical else 0).mean() > 0.97


def cell_lines(gray: np.ndarray, binary: np.ndarray, box: tuple[int, int, int, int],
               glyph: int) -> list[tuple[np.ndarray, tuple]]:
    """The text lines inside one cell, top to bottom: (grey crop with a white margin, its box on the page).
    Rules are left out; specks do not make a line (but stay in a line's crop: a full stop is one); an empty
    cell has no lines. Bands of ink closer than a line (the strokes of 三) are one line: joined while the line
    stays under 1.4 glyph heights. `gray` and `binary` come without the rules (`unruled`)."""
    x0, y0, x1, y1 = box
    pad = 4
    x0, y0, x1, y1 = x0 + pad, y0 + pad, x1 - pad + 1, y1 - pad + 1
    if x1 - x0 < 3 or y1 - y0 < 3:
        return []
    cut = binary[y0:y1, x0:x1].copy()
    n, labels, stats, _ = cv2.connectedComponentsWithStats(cut, connectivity=8)
    keep = np.zeros(n, dtype=bool)
    rule = np.zeros(n, dtype=bool)
    for i in range(1, n):
        x, y, bw, bh, area = stats[i]
        touches = x == 0 or y == 0 or x + bw >= cut.shape[1] or y + bh >= cut.shape[0]
        rule[i] = touches and ((bw >= 0.9 * cut.shape[1] and bh <= 4) or (bh >= 0.9 * cut.shape[0] and bw <= 4))
        keep[i] = area >= SPECK and not rule[i]
    clean = keep[labels]
    ruled = rule[labels]
    rows = clean.any(axis=1)
    bands: list[list[int]] = []
    for y in np.flatnonzero(rows):
        if bands and y - bands[-1][1] <= 2:
            bands[-1][1] = int(y)
        else:
            bands.append([int(y), int(y)])
    joined: list[list[int]] = []
    for band in bands:
        if joined and band[1] - joined[-1][0] <= 1.4 * glyph:
            joined[-1][1] = band[1]
        else:
            joined.append(band)
    out = []
    for top, bottom in joined:
        if bottom - top < 3:
            continue  # a dot's height: noise between lines
        cols = np.flatnonzero(clean[top:bottom + 1].any(axis=0))
        left, right = int(cols.min()), int(cols.max())
        m = 4
        crop = gray[y0 + top:y0 + bottom + 1, x0 + left:x0 + right + 1]
        crop = np.where(ruled[top:bottom + 1, left:right + 1], 255, crop).astype(np.uint8)
        crop = cv2.copyMakeBorder(crop, m, m, m * 2, m * 2, cv2.BORDER_CONSTANT, value=255)
        out.append((crop, (x0 + left, y0 + top, x0 + right + 1, y0 + bottom + 1)))
    return out


def leading_dash(crop: np.ndarray) -> bool:
    """True when a line crop (grey, white ground) begins with a dash before taller marks: the sign of `-3`,
    which a recogniser can drop. The dash: the line's first ink, a flat band (at most a third of the marks'
    height thick, about their middle) at least 0.3 of that height long, then marks of full height; not the
    left arm of a `+` (a stroke across the band, band-only ink after it). A dash alone (a blank) is no sign."""
    _, labels, stats, _ = cv2.connectedComponentsWithStats(ink(crop), connectivity=8)
    keep = stats[:, cv2.CC_STAT_AREA] >= SPECK
    keep[0] = False
    b = keep[labels]
    cols = np.flatnonzero(b.any(axis=0))
    if len(cols) < 4:
        return False
    first = int(cols[0])
    band = np.flatnonzero(b[:, first:first + 2].any(axis=1))
    lo, hi = int(band.min()) - 1, int(band.max()) + 1
    end = first
    while end < b.shape[1]:
        ys = np.flatnonzero(b[:, end])
        if not len(ys) or ys.min() < lo or ys.max() > hi:
            break
        end += 1
    rest = np.flatnonzero(b[:, end:].any(axis=1))
    if len(rest) == 0:
        return False
    top, bottom = int(rest.min()), int(rest.max())
    h = bottom - top + 1
    dash = np.flatnonzero(b[:, first:end].any(axis=1))
    if len(dash) == 0:
        return False
    thick, centre = int(dash.max() - dash.min()) + 1, (dash.min() + dash.max()) / 2
    if not (0.3 * h <= end - first <= 1.3 * h and thick <= 0.35 * h and top + 0.3 * h <= centre <= top + 0.8 * h):
        return False
    return not _crossed(b, end, lo, hi, h)


def _crossed(b: np.ndarray, start: int, lo: int, hi: int, h: int) -> bool:
    """A stroke across the band [lo, hi] at column `start` (ink above and below it), with band-only ink again
    within half a height after it: the `+` whose left arm the band was."""
    span = int(0.5 * h) + 1
    stroke = None
    for c in range(start, min(start + span, b.shape[1])):
        ys = np.flatnonzero(b[:, c])
        if len(ys) and ys.min() < lo and ys.max() > hi:
            stroke = c
        elif stroke is not None:
            return bool(len(ys)) and ys.min() >= lo and ys.max() <= hi
        else:
            return False
    return False
