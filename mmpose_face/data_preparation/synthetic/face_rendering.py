"""Draw faces, occluders, lighting and blur into an image over a cluttered background."""
import math

import cv2
import numpy as np

from .drawing_primitives import (SUBPIXEL_BITS, SUBPIXEL_ONE, blend_polygon, ellipse_polygon, fill_polygon,
                                 fixed_point, scaled_colour, stroke_polyline)

EFFECT_FADE_UNITS = 0.25        # lighting/blur fade out over this, face units (< margin)


def _draw_eye(image, outline, pupil, look, unit):
    """Sclera polygon, iris and pupil clipped to it, then the lid line."""
    iris_radius = 0.55 * (outline[:, 1].max() - outline[:, 1].min())
    reach = np.concatenate([outline, [pupil - iris_radius, pupil + iris_radius]])
    x0, y0 = np.floor(reach.min(axis=0)).astype(int) - 2
    x1, y1 = np.ceil(reach.max(axis=0)).astype(int) + 3
    x0, y0 = max(x0, 0), max(y0, 0)
    x1, y1 = min(x1, image.shape[1]), min(y1, image.shape[0])
    if x1 > x0 and y1 > y0:
        roi = image[y0:y1, x0:x1]
        local_outline = outline - [x0, y0]
        local_pupil = fixed_point(pupil - [x0, y0]).ravel()
        mask = np.zeros(roi.shape[:2], dtype=np.uint8)
        cv2.fillPoly(mask, [fixed_point(local_outline)], 255, cv2.LINE_AA, SUBPIXEL_BITS)
        layer = roi.copy()
        cv2.fillPoly(layer, [fixed_point(local_outline)], (225, 230, 235), cv2.LINE_AA, SUBPIXEL_BITS)
        cv2.circle(layer, tuple(int(v) for v in local_pupil), int(round(iris_radius * SUBPIXEL_ONE)),
                   look.iris_bgr, -1, cv2.LINE_AA, SUBPIXEL_BITS)
        cv2.circle(layer, tuple(int(v) for v in local_pupil), int(round(0.45 * iris_radius * SUBPIXEL_ONE)),
                   (15, 15, 15), -1, cv2.LINE_AA, SUBPIXEL_BITS)
        weight = (mask.astype(np.float32) / 255)[..., None]
        roi[:] = (layer * weight + roi * (1 - weight)).astype(np.uint8)
    lid_colour = (25, 25, 30) if look.eye_shadow_bgr is not None else scaled_colour(look.skin_bgr, 0.35)
    liner = 0.035 if look.eye_shadow_bgr is not None else 0.02
    stroke_polyline(image, outline[:5], lid_colour, liner * unit)       # upper lid (and lashes)
    stroke_polyline(image, np.concatenate([outline[4:], outline[:1]]), scaled_colour(look.skin_bgr, 0.55), 0.012 * unit)


def draw_face(image, face):
    """Draw ``face`` into ``image`` (H, W, 3) uint8, in place."""
    look, unit = face.look, face.pose.pixels_per_unit
    lm, parts = face.landmarks, face.parts
    skin = look.skin_bgr
    if look.has_hair:
        fill_polygon(image, parts['hair_cap'], look.hair_bgr)
    fill_polygon(image, parts['neck'], scaled_colour(skin, 0.72))
    fill_polygon(image, np.concatenate([lm[:33], parts['forehead']]), skin)
    stroke_polyline(image, lm[:33], scaled_colour(skin, 0.6), 0.015 * unit)   # a crisp jaw line over any background
    mole = parts['mole'][0]
    cv2.circle(image, tuple(int(v) for v in fixed_point(mole).ravel()), int(round(0.035 * unit * SUBPIXEL_ONE)),
               (30, 45, 70), -1, cv2.LINE_AA, SUBPIXEL_BITS)
    if look.has_hair:
        fill_polygon(image, parts['fringe'], look.hair_bgr)

    brow_colour = scaled_colour(look.hair_bgr, 0.8) if look.has_hair else scaled_colour(skin, 0.35)
    fill_polygon(image, lm[33:42], brow_colour)
    fill_polygon(image, lm[42:51], brow_colour)

    if look.eye_shadow_bgr is not None:
        for upper_lid, brow_lower in ((lm[60:65], lm[[41, 41, 40, 39, 38]]), (lm[68:73], lm[[50, 49, 48, 47, 47]])):
            raised = upper_lid + 0.55 * (brow_lower - upper_lid)
            blend_polygon(image, np.concatenate([upper_lid, raised[::-1]]), look.eye_shadow_bgr, 0.7)
    _draw_eye(image, lm[60:68], lm[96], look, unit)
    _draw_eye(image, lm[68:76], lm[97], look, unit)

    nose_colour = scaled_colour(skin, 0.62)
    stroke_polyline(image, lm[51:55], nose_colour, 0.025 * unit)
    stroke_polyline(image, lm[55:60], nose_colour, 0.025 * unit)
    for nostril in (56, 58):
        centre = lm[nostril] + 0.35 * (lm[54] - lm[57])    # just above the base, towards the tip
        cv2.circle(image, tuple(int(v) for v in fixed_point(centre).ravel()), int(round(0.03 * unit * SUBPIXEL_ONE)),
                   scaled_colour(skin, 0.4), -1, cv2.LINE_AA, SUBPIXEL_BITS)

    upper_lip = np.concatenate([lm[76:83], lm[[92, 91, 90, 89, 88]]])
    lower_lip = np.concatenate([lm[82:88], lm[[76, 88, 95, 94, 93, 92]]])
    fill_polygon(image, upper_lip, scaled_colour(look.lip_bgr, 0.9))
    fill_polygon(image, lower_lip, look.lip_bgr)
    inner_upper, inner_lower = lm[88:93], lm[[88, 95, 94, 93, 92]]
    if face.shape.mouth_open > 0.02:
        fill_polygon(image, np.concatenate([inner_upper, inner_lower[::-1]]), (30, 25, 60))
        teeth = inner_upper + 0.35 * (inner_lower - inner_upper)
        fill_polygon(image, np.concatenate([inner_upper, teeth[::-1]]), (215, 225, 230))
    stroke_polyline(image, inner_upper, scaled_colour(look.lip_bgr, 0.45), 0.015 * unit)
    stroke_polyline(image, inner_lower, scaled_colour(look.lip_bgr, 0.45), 0.015 * unit)
    stroke_polyline(image, lm[76:88], scaled_colour(look.lip_bgr, 0.75), 0.012 * unit, closed=True)


def _effect_mask(face, image_shape):
    """(h, w) float32 in [0, 1] over the face region: 1 on the landmarks, fading out.

    The fade reaches 0 at region edges inside the image, so an effect never
    shows the region's rectangle or touches a neighbouring face.
    """
    x0, y0, x1, y1 = face.region
    mask = np.zeros((y1 - y0, x1 - x0), dtype=np.float32)
    local = face.landmarks - [x0, y0]
    centre = local.mean(axis=0)
    hull = cv2.convexHull(local.astype(np.float32)).reshape(-1, 2)
    cv2.fillPoly(mask, [fixed_point(centre + 1.35 * (hull - centre))], 1.0, cv2.LINE_AA, SUBPIXEL_BITS)
    mask = cv2.GaussianBlur(mask, (0, 0), 0.05 * float(np.ptp(local[:, 0])) + 1)
    fade = max(2.0, EFFECT_FADE_UNITS * face.pose.pixels_per_unit)
    rows = np.arange(y1 - y0, dtype=np.float32)
    columns = np.arange(x1 - x0, dtype=np.float32)
    column_weight = np.ones_like(columns)
    row_weight = np.ones_like(rows)
    if x0 > 0:
        column_weight = np.minimum(column_weight, columns / fade)
    if x1 < image_shape[1]:
        column_weight = np.minimum(column_weight, (x1 - x0 - 1 - columns) / fade)
    if y0 > 0:
        row_weight = np.minimum(row_weight, rows / fade)
    if y1 < image_shape[0]:
        row_weight = np.minimum(row_weight, (y1 - y0 - 1 - rows) / fade)
    window = np.clip(row_weight, 0, 1)[:, None] * np.clip(column_weight, 0, 1)[None, :]
    return mask * window


def draw_occluder(image, face):
    """Draw the occluder polygons of ``face``, clipped to its region, in place."""
    x0, y0, x1, y1 = face.region
    roi = image[y0:y1, x0:x1]
    for polygon, colour in face.occluder:
        fill_polygon(roi, polygon - [x0, y0], colour)
        stroke_polyline(roi, polygon - [x0, y0], scaled_colour(colour, 0.6), 1, closed=True)


def apply_illumination(image, face):
    """Multiply the face region by the lighting gain ramp, in place."""
    x0, y0, x1, y1 = face.region
    change = face.illumination
    height, width = y1 - y0, x1 - x0
    a = math.radians(change.direction_deg)
    xs, ys = np.meshgrid(np.arange(width, dtype=np.float32), np.arange(height, dtype=np.float32))
    low, high = face.landmarks.min(axis=0) - [x0, y0], face.landmarks.max(axis=0) - [x0, y0]
    along = (xs - 0.5 * (low[0] + high[0])) * math.cos(a) + (ys - 0.5 * (low[1] + high[1])) * math.sin(a)
    half_extent = 0.5 * (abs((high[0] - low[0]) * math.cos(a)) + abs((high[1] - low[1]) * math.sin(a))) + 1
    ramp = np.clip(0.5 + 0.5 * along / half_extent, 0, 1)
    gain = change.gain_start + (change.gain_end - change.gain_start) * ramp
    weight = _effect_mask(face, image.shape)
    gain = 1 + (gain - 1) * weight
    roi = image[y0:y1, x0:x1]
    roi[:] = np.clip(roi * gain[..., None], 0, 255).astype(np.uint8)


def apply_blur(image, face):
    """Defocus or motion-blur the face region, in place."""
    x0, y0, x1, y1 = face.region
    roi = image[y0:y1, x0:x1]
    blur = face.blur
    if blur.kind == 'gaussian':
        blurred = cv2.GaussianBlur(roi, (0, 0), blur.size_px)
    else:
        length = int(round(blur.size_px)) | 1
        kernel = np.zeros((length, length), dtype=np.float32)
        kernel[length // 2, :] = 1.0
        rotation = cv2.getRotationMatrix2D(((length - 1) / 2, (length - 1) / 2), blur.angle_deg, 1.0)
        kernel = cv2.warpAffine(kernel, rotation, (length, length))
        blurred = cv2.filter2D(roi, -1, kernel / kernel.sum(), borderType=cv2.BORDER_REFLECT)
    weight = _effect_mask(face, image.shape)[..., None]
    roi[:] = (blurred * weight + roi * (1 - weight)).astype(np.uint8)


def draw_background(rng, height, width):
    """(H, W, 3) uint8 clutter: a colour gradient, blotches and random shapes."""
    # Built on a coarse grid (one cell per 32 pixels) and upsampled: cheap and smooth.
    grid_h, grid_w = height // 32 + 2, width // 32 + 2
    colours = rng.uniform(0, 255, (2, 3)).astype(np.float32)
    a = rng.uniform(0, 2 * np.pi)
    xs = np.linspace(-0.5, 0.5, grid_w, dtype=np.float32)[None, :]
    ys = np.linspace(-0.5, 0.5, grid_h, dtype=np.float32)[:, None]
    ramp = np.clip(0.5 + xs * math.cos(a) + ys * math.sin(a), 0, 1)[..., None]
    coarse = colours[0] + (colours[1] - colours[0]) * ramp
    coarse += rng.uniform(0, 40) * rng.uniform(-1, 1, (grid_h, grid_w, 3)).astype(np.float32)
    coarse = np.clip(coarse, 0, 255).astype(np.uint8)
    image = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC)
    for _ in range(rng.integers(3, 16)):
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        kind = rng.integers(4)
        x, y = rng.uniform(0, width), rng.uniform(0, height)
        size = rng.uniform(8, 0.4 * min(width, height))
        if kind == 0:
            cv2.circle(image, (int(x), int(y)), int(size / 2), colour, -1, cv2.LINE_AA)
        elif kind == 1:
            fill_polygon(image, ellipse_polygon((x, y), (size / 2, size / 3), rng.uniform(0, 180), 4), colour)
        elif kind == 2:
            end = (x + rng.uniform(-size, size), y + rng.uniform(-size, size))
            stroke_polyline(image, np.array([(x, y), end]), colour, rng.uniform(1, 6))
        else:
            fill_polygon(image, np.array([x, y]) + rng.uniform(-size / 2, size / 2, (int(rng.integers(3, 7)), 2)), colour)
    return image


def render_image(rng, height, width, faces):
    """(H, W, 3) uint8 BGR image of ``faces`` on a random background.

    ``rng`` only draws the background, the overall exposure and the sensor
    noise, so the same rng state with different faces gives the same scene.
    """
    image = draw_background(rng, height, width)
    exposure = rng.uniform(0.9, 1.1)   # mild, stays far from the illumination thresholds
    noise_amplitude = int(rng.integers(2, 8))  # uniform sensor noise, grey levels
    noise = rng.integers(-noise_amplitude, noise_amplitude + 1, (height, width, 3), dtype=np.int16)
    for face in faces:
        draw_face(image, face)
        if face.occluder:
            draw_occluder(image, face)
        if face.illumination is not None:
            apply_illumination(image, face)
        if face.blur is not None:
            apply_blur(image, face)
    noisy = cv2.convertScaleAbs(image, alpha=exposure).astype(np.int16)
    noisy += noise
    return np.clip(noisy, 0, 255).astype(np.uint8)
