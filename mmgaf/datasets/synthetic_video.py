"""The built-in recognition dataset: short generated videos whose class is a
motion.

Every video shows

- an *actor*: a bright irregular polygon that performs its class's motion
  (a translation, a rotation, an oscillation or a change of size) during
  one stretch of the video, the *action*, and stands still before and after
  it, so that only part of the clip shows the class;
- *distractors*: smaller, dimmer polygons, each performing part of the
  motion of another class for a shorter stretch;
- a cluttered background: smooth random colour blobs panned in a random
  direction (a camera pan, itself a translation), plus per-pixel noise.

The videos are written as real video files (MPEG-4 part 2 in ``.mp4``)
with MMAction2's video lists, and read through MMAction2's usual decoding
pipeline (``DecordInit`` / ``SampleFrames`` / ``DecordDecode``...).
Everything of a video is drawn from ``numpy.random.default_rng`` seeded with
the seed, the subset and the video's index, so a video does not depend on
how many others are generated, and the same seed gives the same videos.
"""
import os.path as osp
import re
from typing import Dict, List, NamedTuple, Optional, Tuple

import cv2
import decord
import mmengine
import numpy as np
from mmengine.utils import ProgressBar, mkdir_or_exist

# A class is a motion of the actor; its index is the label.
CLASSES = ('move_right', 'move_left', 'move_up', 'move_down',
           'rotate_clockwise', 'rotate_counterclockwise',
           'oscillate_horizontally', 'oscillate_vertically', 'grow', 'shrink')


class SyntheticMotionVideo(NamedTuple):
    """One generated video.

    Attributes:
        name (str): The video's name, unique over all subsets.
        subset (str): The subset, e.g. ``'train'``.
        label (int): The class, an index into :data:`CLASSES`.
        frames (np.ndarray): ``(T, H, W, 3)`` uint8 RGB frames.
        action (tuple[int, int]): The actor's motion, frames
            ``[start, end)``.
        distractors (list[dict]): ``{"label", "frames": [start, end)}`` of
            each distractor: whose motion it performs, and when.
    """
    name: str
    subset: str
    label: int
    frames: np.ndarray
    action: Tuple[int, int]
    distractors: List[dict]


class SyntheticMotionVideos:
    """Generator of the built-in recognition dataset (:data:`CLASSES`).

    Args:
        seed (int): Seed of everything generated. Defaults to 0.
        num_frames (int): Frames ``T`` of a video. Defaults to 32.
        frame_size (int): Height and width of a frame. Defaults to 64.
        action_range (tuple[float, float]): Length of the action as a
            fraction of the video, drawn uniformly from this range.
            Defaults to (0.5, 0.8).
        num_distractors (tuple[int, int]): Fewest and most distractors of a
            video. Defaults to (2, 3).
        distractor_range (tuple[float, float]): Length of a distractor's
            motion as a fraction of the video. Defaults to (0.25, 0.45).
        pan_speed (tuple[float, float]): Speed of the background's pan in
            pixels per frame. Defaults to (0.2, 0.6).
        noise_std (float): Per-pixel Gaussian noise on 0-255 values.
            Defaults to 6.
        fps (float): Frame rate written into the files. Defaults to 16.

    Example:
        >>> generator = SyntheticMotionVideos(seed=0)
        >>> video = generator.video('train', 3)
        >>> video.frames.shape, CLASSES[video.label]
        ((32, 64, 64, 3), 'move_down')
    """

    CLASSES = CLASSES
    VIDEO_EXT = '.mp4'
    FOURCC = 'mp4v'
    # brightness (HSV value, 0-255) of the actor, the distractors and the
    # background: the actor is always the brightest object of a frame
    ACTOR_VALUE = 255
    DISTRACTOR_VALUES = (115, 165)
    BACKGROUND_VALUES = (10, 100)
    # the actor's paler colours survive the codec's chroma subsampling
    ACTOR_SATURATION = (0.3, 0.7)
    DISTRACTOR_SATURATION = (0.6, 1.0)
    # radii as fractions of the frame size
    ACTOR_RADIUS = (0.1, 0.14)
    DISTRACTOR_RADIUS = (0.05, 0.08)
    # fillPoly's fixed-point fraction bits: sub-pixel motion stays smooth
    _SHIFT = 4

    def __init__(self,
                 seed: int = 0,
                 num_frames: int = 32,
                 frame_size: int = 64,
                 action_range: Tuple[float, float] = (0.5, 0.8),
                 num_distractors: Tuple[int, int] = (2, 3),
                 distractor_range: Tuple[float, float] = (0.25, 0.45),
                 pan_speed: Tuple[float, float] = (0.2, 0.6),
                 noise_std: float = 6.,
                 fps: float = 16.) -> None:
        if num_frames < 8:
            raise ValueError(f'num_frames must be >= 8, got {num_frames}')
        if frame_size < 32:
            raise ValueError(f'frame_size must be >= 32, got {frame_size}')
        for name, (low, high) in (('action_range', action_range),
                                  ('distractor_range', distractor_range)):
            if not 0 < low <= high <= 1:
                raise ValueError(
                    f'{name} must satisfy 0 < low <= high <= 1, got '
                    f'{(low, high)}')
        if not 0 <= num_distractors[0] <= num_distractors[1]:
            raise ValueError('num_distractors must satisfy 0 <= fewest <= '
                             f'most, got {tuple(num_distractors)}')
        self.seed = seed
        self.num_frames = num_frames
        self.frame_size = frame_size
        self.action_range = tuple(action_range)
        self.num_distractors = tuple(num_distractors)
        self.distractor_range = tuple(distractor_range)
        self.pan_speed = tuple(pan_speed)
        self.noise_std = noise_std
        self.fps = fps

    @property
    def num_classes(self) -> int:
        return len(self.CLASSES)

    def video(self, subset: str, index: int) -> SyntheticMotionVideo:
        """Generate one video.

        Args:
            subset (str): The subset, part of the seed.
            index (int): The video's index in its subset; its class is
                ``index % num_classes``, so subsets are balanced.

        Returns:
            SyntheticMotionVideo: The frames and what they show.
        """
        rng = np.random.default_rng(
            [self.seed, index, *subset.encode('utf-8')])
        label = index % self.num_classes
        frames = self._background(rng)
        action = self._interval(rng, self.action_range)
        distractors = []
        others = [c for c in range(self.num_classes) if c != label]
        count = rng.integers(self.num_distractors[0],
                             self.num_distractors[1] + 1)
        for _ in range(count):
            other = int(rng.choice(others))
            interval = self._interval(rng, self.distractor_range)
            self._draw_object(frames, rng, other, interval,
                              self.DISTRACTOR_RADIUS,
                              rng.uniform(*self.DISTRACTOR_VALUES),
                              self.DISTRACTOR_SATURATION)
            distractors.append(dict(label=other, frames=list(interval)))
        self._draw_object(frames, rng, label, action, self.ACTOR_RADIUS,
                          self.ACTOR_VALUE, self.ACTOR_SATURATION)
        if self.noise_std > 0:
            frames = frames + rng.normal(0, self.noise_std, frames.shape)
        return SyntheticMotionVideo(
            name=f'{subset}_{index:05d}',
            subset=subset,
            label=label,
            frames=np.clip(np.rint(frames), 0, 255).astype(np.uint8),
            action=action,
            distractors=distractors)

    def _interval(self, rng: np.random.Generator,
                  fraction: Tuple[float, float]) -> Tuple[int, int]:
        """A random stretch ``[start, end)`` of at least two frames."""
        length = int(round(rng.uniform(*fraction) * self.num_frames))
        length = min(max(length, 2), self.num_frames)
        start = int(rng.integers(0, self.num_frames - length + 1))
        return start, start + length

    def _background(self, rng: np.random.Generator) -> np.ndarray:
        """``(T, H, W, 3)`` float frames of smooth colour blobs, panned."""
        size, num_frames = self.frame_size, self.num_frames
        speed = rng.uniform(*self.pan_speed)
        angle = rng.uniform(0, 2 * np.pi)
        velocity = speed * np.array([np.cos(angle), np.sin(angle)])
        margin = int(np.ceil(self.pan_speed[1] * num_frames)) + 2
        canvas = size + 2 * margin
        low, high = self.BACKGROUND_VALUES
        blobs = rng.uniform(low, high, (canvas // 8 + 2, canvas // 8 + 2, 3))
        texture = cv2.resize(
            blobs.astype(np.float32), (canvas, canvas),
            interpolation=cv2.INTER_CUBIC)
        frames = np.empty((num_frames, size, size, 3), np.float32)
        for t in range(num_frames):
            # the view moves with the velocity, the texture against it
            shift = velocity * t - margin
            matrix = np.float32([[1, 0, shift[0]], [0, 1, shift[1]]])
            frames[t] = cv2.warpAffine(
                texture,
                matrix, (size, size),
                flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                borderMode=cv2.BORDER_REFLECT)
        return np.clip(frames, 0, 255)

    def _motion(self, rng: np.random.Generator, label: int,
                interval: Tuple[int, int]) -> np.ndarray:
        """``(T, 4)`` per frame: x and y offsets (pixels), angle (radians,
        clockwise on screen) and scale of class ``label``'s motion during
        ``interval``, held before and after it."""
        start, end = interval
        elapsed = np.clip(
            np.arange(self.num_frames, dtype=np.float64) - start, 0,
            end - 1 - start)
        progress = elapsed / max(end - 1 - start, 1)
        motion = np.zeros((self.num_frames, 4))
        motion[:, 3] = 1
        name = self.CLASSES[label]
        if name.startswith('move_'):
            axis, sign = dict(
                right=(0, 1), left=(0, -1), up=(1, -1),
                down=(1, 1))[name[len('move_'):]]
            distance = rng.uniform(0.3, 0.55) * self.frame_size
            motion[:, axis] = sign * distance * progress
        elif name.startswith('rotate_'):
            sign = 1 if name == 'rotate_clockwise' else -1
            motion[:, 2] = sign * rng.uniform(0.15, 0.25) * elapsed
        elif name.startswith('oscillate_'):
            axis = 0 if name == 'oscillate_horizontally' else 1
            amplitude = rng.uniform(0.08, 0.14) * self.frame_size
            period = rng.uniform(6, 10)
            motion[:, axis] = amplitude * np.sin(2 * np.pi * elapsed / period)
        else:
            small, large = rng.uniform(0.55, 0.7), rng.uniform(1.3, 1.45)
            grow = progress if name == 'grow' else 1 - progress
            motion[:, 3] = small + (large - small) * grow
        return motion

    def _draw_object(self, frames: np.ndarray, rng: np.random.Generator,
                     label: int, interval: Tuple[int, int],
                     radius_range: Tuple[float, float], value: float,
                     saturation_range: Tuple[float, float]) -> None:
        """Draw an irregular polygon performing ``label``'s motion into
        ``frames`` (in place), kept inside the frame."""
        num_vertices = int(rng.integers(3, 7))
        # irregular angles and radii: a rotation changes the silhouette
        angles = np.sort(
            rng.uniform(0, 2 * np.pi / num_vertices, num_vertices) +
            np.arange(num_vertices) * 2 * np.pi / num_vertices)
        radius = rng.uniform(*radius_range) * self.frame_size
        radii = radius * rng.uniform(0.55, 1.0, num_vertices)
        radii[0] = radius
        hue = rng.uniform(0, 180)
        saturation = rng.uniform(*saturation_range) * 255
        hsv = np.uint8([[[hue, saturation, value]]])
        colour = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)[0, 0]
        colour = tuple(int(c) for c in colour)
        motion = self._motion(rng, label, interval)
        extent = radius * motion[:, 3].max() + 1
        low = extent - motion[:, :2].min(axis=0)
        high = self.frame_size - extent - motion[:, :2].max(axis=0)
        # a centre that keeps the whole path inside the frame (clamped
        # where no such centre exists, which the ranges above rule out)
        centre = rng.uniform(np.minimum(low, high), np.maximum(low, high))
        scale = 1 << self._SHIFT
        for t, (dx, dy, angle, size) in enumerate(motion):
            xs = centre[0] + dx + size * radii * np.cos(angles + angle)
            ys = centre[1] + dy + size * radii * np.sin(angles + angle)
            points = np.rint(np.stack([xs, ys], axis=1) * scale)
            frame = np.ascontiguousarray(frames[t])
            cv2.fillPoly(
                frame, [points.astype(np.int32)],
                colour,
                lineType=cv2.LINE_AA,
                shift=self._SHIFT)
            frames[t] = frame

    def write(self,
              root: str,
              num_videos: Optional[Dict[str, int]] = None,
              progress: bool = False) -> dict:
        """Write the dataset in MMAction2's video-list layout.

        ``root/videos/<subset>/<video>.mp4``, ``root/<subset>_list.txt``
        (MMAction2's ``VideoDataset`` lists, ``<subset>/<video>.mp4
        <label>`` per line, relative to ``root/videos``),
        ``root/classes.txt`` (one class name per line, in label order) and
        ``root/meta.json`` (the settings and what each video shows).

        Args:
            root (str): Created if missing.
            num_videos (dict[str, int], optional): Videos per subset (names
                of letters, digits, ``_`` and ``-``). Defaults to
                ``dict(train=300, val=100)``.
            progress (bool): Show a progress bar. Defaults to False.

        Returns:
            dict: The content of ``meta.json``.
        """
        num_videos = dict(num_videos or dict(train=300, val=100))
        for subset, count in num_videos.items():
            if not re.fullmatch(r'[A-Za-z0-9_-]+', str(subset)):
                raise ValueError(
                    'subset names are letters, digits, _ and -, got '
                    f'{subset!r}')
            if not isinstance(count, (int, np.integer)) or count < 1:
                raise ValueError(
                    f'num_videos[{subset!r}] must be a positive int, got '
                    f'{count!r}')
        bar = ProgressBar(sum(num_videos.values())) if progress else None
        videos = {}
        for subset, count in num_videos.items():
            folder = osp.join(root, 'videos', subset)
            mkdir_or_exist(folder)
            lines = []
            for index in range(count):
                video = self.video(subset, index)
                filename = video.name + self.VIDEO_EXT
                path = osp.join(folder, filename)
                self.write_video(path, video.frames)
                if not videos:
                    self.check_readable(path, video.frames.shape)
                lines.append(f'{subset}/{filename} {video.label}\n')
                videos[video.name] = dict(
                    subset=subset,
                    label=video.label,
                    action=list(video.action),
                    distractors=video.distractors)
                if bar is not None:
                    bar.update()
            with open(osp.join(root, f'{subset}_list.txt'), 'w') as f:
                f.writelines(lines)
        with open(osp.join(root, 'classes.txt'), 'w') as f:
            f.writelines(name + '\n' for name in self.CLASSES)
        meta = dict(
            generator='mmgaf.datasets.synthetic_video.SyntheticMotionVideos',
            settings=self.settings(),
            classes=list(self.CLASSES),
            num_videos=num_videos,
            videos=videos)
        mmengine.dump(meta, osp.join(root, 'meta.json'), indent=1)
        return meta

    def write_video(self, path: str, frames: np.ndarray) -> None:
        """Encode ``(T, H, W, 3)`` uint8 RGB frames into ``path``.

        Args:
            path (str): The video file.
            frames (np.ndarray): The frames.
        """
        height, width = frames.shape[1:3]
        writer = cv2.VideoWriter(path, cv2.VideoWriter_fourcc(*self.FOURCC),
                                 self.fps, (width, height))
        if not writer.isOpened():
            raise RuntimeError(
                f'OpenCV cannot write {path} with codec {self.FOURCC!r}: '
                'this OpenCV build lacks its FFmpeg video writer')
        try:
            for frame in frames:
                writer.write(np.ascontiguousarray(frame[..., ::-1]))
        finally:
            writer.release()

    @staticmethod
    def check_readable(path: str, shape: Tuple[int, ...]) -> None:
        """Check that decord, MMAction2's video reader here, decodes
        ``path`` to frames of ``shape`` ``(T, H, W, 3)``; decord 0.6.0
        fails on some frame sizes (e.g. 48x48) of this codec.

        Args:
            path (str): The video file.
            shape (tuple[int]): The frames written.
        """
        try:
            reader = decord.VideoReader(path)
            decoded = (len(reader), *reader[0].shape)
        except decord.DECORDError as error:
            raise RuntimeError(
                f'decord cannot decode {path}, written with frames of '
                f'shape {tuple(shape)}: choose another frame size '
                f'({str(error).splitlines()[0]})') from error
        if decoded != tuple(shape):
            raise RuntimeError(f'decord decodes {path} to frames of shape '
                               f'{decoded}, written: {tuple(shape)}')

    def settings(self) -> dict:
        """The constructor's arguments, to recreate this generator."""
        return dict(
            seed=self.seed,
            num_frames=self.num_frames,
            frame_size=self.frame_size,
            action_range=list(self.action_range),
            num_distractors=list(self.num_distractors),
            distractor_range=list(self.distractor_range),
            pan_speed=list(self.pan_speed),
            noise_std=self.noise_std,
            fps=self.fps)
