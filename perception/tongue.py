"""Tongue out: no landmark model tracks the tongue, so it is seen in the image, under the lower lip.

A tongue that is out lies over the lower lip and the chin below it, and it has the colour of lips, not of skin.
Each frame compares the region just below the lower lip (from just under the lip down almost half the way to the
chin's bottom, as wide as the mouth) with two references taken from the same frame: the upper lip (a tongue may cover
the lower one, never the upper) and the cheeks. The measure is the fraction of that region whose colour (CIE Lab's
chroma, a* and b*, so lighting levels matter less) is nearer the lips' than the skin's and redder than the skin.
At rest the region is chin skin (about 0); a tongue over it brings the fraction up. The calibration subtracts the
visitor's own rest (stubble, lipstick, shadows), so the coefficient is the change from it.

Limits (docs/PERCEPTION.md): a beard under the lip, lipstick on a pale-lipped face, a tongue inside an open mouth
(not "out"), and strong coloured light all change the chroma picture.
"""

from __future__ import annotations

import numpy as np

from companion.perception.opencv import opencv

UPPER_LIP_OUTER = (61, 185, 40, 39, 37, 0, 267, 269, 270, 409, 291)
UPPER_LIP_INNER = (308, 415, 310, 311, 312, 13, 82, 81, 80, 191, 78)
LOWER_LIP_OUTER = (61, 146, 91, 181, 84, 17, 314, 405, 321, 375, 291)
CHEEKS = (50, 280)
CHIN = 152
EYE_OUTER = (33, 263)
REACH = 0.45  # how far below the lower lip to look, as a fraction of the way to the chin's bottom
GAP = 0.06  # where to start below the lip's edge, in inter-ocular distances
MARGIN = 4.0  # Lab a* units: the region's pixel must be this much redder than the skin


def tongue_measure(bgr: np.ndarray, points: np.ndarray) -> float:
    """The fraction of the region under the lower lip that has the colour of lips (see the module docstring)."""
    cv2 = opencv()
    height, width = bgr.shape[:2]
    xy = points[:, :2]
    iod = float(np.linalg.norm(xy[EYE_OUTER[1]] - xy[EYE_OUTER[0]]))
    lip_edge = xy[list(LOWER_LIP_OUTER)]
    towards_chin = xy[CHIN] - lip_edge.mean(0)
    towards_chin_unit = towards_chin / max(float(np.linalg.norm(towards_chin)), 1e-6)
    # Start a little below the lip's edge: a wide-open mouth's lower lip must not count as a tongue.
    top = lip_edge + towards_chin_unit * GAP * iod
    region = np.concatenate([top, (lip_edge + towards_chin * REACH)[::-1]]).astype(np.int32)
    upper_lip = np.concatenate([xy[list(UPPER_LIP_OUTER)], xy[list(UPPER_LIP_INNER)]]).astype(np.int32)
    x0, y0 = np.clip(np.floor(np.minimum(region.min(0), upper_lip.min(0)) - iod), 0, [width - 1, height - 1])
    x1, y1 = np.clip(np.ceil(np.maximum(region.max(0), upper_lip.max(0)) + iod), 0, [width, height])
    x0, y0, x1, y1 = int(x0), int(y0), int(x1), int(y1)
    if x1 - x0 < 4 or y1 - y0 < 4:
        return 0.0
    lab = cv2.cvtColor(bgr[y0:y1, x0:x1], cv2.COLOR_BGR2LAB).astype(np.float32)
    chroma = lab[..., 1:3]
    offset = np.array([x0, y0])

    def mask(polygon: np.ndarray) -> np.ndarray:
        out = np.zeros((y1 - y0, x1 - x0), np.uint8)
        cv2.fillPoly(out, [polygon - offset], 255)
        return out > 0

    lips, inside = mask(upper_lip), mask(region)
    skin = np.zeros_like(lips)
    radius = max(2, int(0.12 * iod))
    for index in CHEEKS:
        cx, cy = (xy[index] - offset).astype(int)
        skin[max(0, cy - radius) : cy + radius, max(0, cx - radius) : cx + radius] = True
    if lips.sum() < 4 or skin.sum() < 4 or inside.sum() < 4:
        return 0.0
    lip_colour = np.median(chroma[lips], axis=0)
    skin_colour = np.median(chroma[skin], axis=0)
    pixels = chroma[inside]
    nearer_lips = np.linalg.norm(pixels - lip_colour, axis=1) < np.linalg.norm(pixels - skin_colour, axis=1)
    redder = pixels[:, 0] > skin_colour[0] + MARGIN
    return float(np.mean(nearer_lips & redder))
