"""The built-in dataset: THUMOS-like I3D-style features of untrimmed videos.

Every video is a sequence of feature steps (layout ``'TC'``, one step per
``FEATURE_STRIDE`` frames at ``FPS``, each the feature of a
``FEATURE_CLIP_LEN``-frame clip, as THUMOS14's I3D features) made of

- a cluttered background: a slowly drifting mixture of background
  directions shared by all videos;
- action instances of a few classes per video, their lengths log-normal so
  that short instances dominate (as in THUMOS14). An instance of class ``c``
  carries ``c``'s start, middle and end patterns in turn (the middle one
  turning from a first into a second pattern), so its boundaries are
  learnable; the patterns of a class share parts with a global
  "action-ness" direction and with the other classes of its group, so
  classes are confusable;
- distractors in the background: stretches carrying only some of the
  phases of a class pattern (start only, middle only, end only, start and
  middle), at a lower amplitude and without ground truth;
- Gaussian noise; then the whole sequence is smoothed in time, as
  overlapping clips smooth real features.

Everything is drawn from ``numpy.random.default_rng`` seeded with the seed
and the video's subset and index, so a video does not depend on how many
others are generated. The knobs of :class:`SyntheticTAD` set the difficulty.
"""
import os.path as osp
from typing import Dict, List, NamedTuple, Optional, Tuple

import mmengine
import numpy as np
from mmengine.utils import ProgressBar, mkdir_or_exist
from scipy.ndimage import gaussian_filter1d
from scipy.signal import lfilter
from scipy.special import expit

# The phases of an action, in order; the middle turns from mid_a into mid_b.
PHASES = ('start', 'mid_a', 'mid_b', 'end')
# Phases a distractor carries: parts of an action, never the whole.
DISTRACTOR_PHASES = (
    ('start', ),
    ('mid_a', 'mid_b'),
    ('end', ),
    ('start', 'mid_a'),
)
# Where each phase peaks along an instance (0: start, 1: end), and how wide.
_PHASE_CENTRES = (0.12, 0.4, 0.65, 0.88)
_PHASE_WIDTHS = (0.12, 0.15, 0.15, 0.12)
SUBSETS = ('training', 'validation')


class SyntheticVideo(NamedTuple):
    """One generated video.

    Attributes:
        name (str): The video's name.
        subset (str): ``'training'`` or ``'validation'``.
        feats (np.ndarray): ``(T, C)`` float32 features.
        duration (float): Seconds.
        annotations (list[dict]): ``{"label", "segment": [start, end]}`` in
            seconds, the ground truth.
        distractors (list[dict]): ``{"label", "segment", "phases"}``, the
            partial patterns added to the background (not ground truth).
    """
    name: str
    subset: str
    feats: np.ndarray
    duration: float
    annotations: List[dict]
    distractors: List[dict]


class SyntheticTAD:
    """Generator of the built-in THUMOS-like feature dataset.

    Args:
        seed (int): Seed of everything generated. Defaults to 0.
        num_classes (int): Defaults to 20.
        feat_dim (int): Channels ``C``. Defaults to 256.
        min_steps (int): Fewest steps in a video. Defaults to 200.
        max_steps (int): Most steps in a video. Defaults to 600.
        steps_per_instance (float): One instance per this many steps on
            average (plus one). Defaults to 60.
        median_length (float): Median instance length in steps (log-normal;
            short instances dominate). Defaults to 12.
        length_sigma (float): Log-normal sigma of the lengths. Defaults to
            0.75.
        class_group_size (int): Classes that share a group pattern, and are
            therefore confusable. Defaults to 4.
        class_overlap (float): Fraction of a class pattern's energy shared
            with the global action pattern and its group, in [0, 1); higher
            is harder. Defaults to 0.5.
        signal (float): Norm of a class pattern. Defaults to 4.
        amplitude_range (tuple[float, float]): Per-instance amplitude factor
            range. Defaults to (0.6, 1.2).
        distractor_rate (float): Distractors per instance on average.
            Defaults to 0.7.
        distractor_amplitude (float): Amplitude of distractors relative to
            instances. Defaults to 0.6.
        background (float): Norm of the background mixture. Defaults to 3.
        noise_std (float): Per-channel noise before smoothing. Defaults to
            1.
        smooth_sigma (float): Temporal Gaussian smoothing in steps.
            Defaults to 1.
    """

    FPS = 30.0
    FEATURE_STRIDE = 4
    FEATURE_CLIP_LEN = 16
    FEATURE_LAYOUT = 'TC'
    NUM_BACKGROUND_DIRECTIONS = 24
    # a video shows one main class, sometimes a second one (THUMOS14 videos
    # mostly show one class)
    SECOND_CLASS_RATE = 0.3
    MAIN_CLASS_SHARE = 0.7

    def __init__(self,
                 seed: int = 0,
                 num_classes: int = 20,
                 feat_dim: int = 256,
                 min_steps: int = 200,
                 max_steps: int = 600,
                 steps_per_instance: float = 60.,
                 median_length: float = 12.,
                 length_sigma: float = 0.75,
                 class_group_size: int = 4,
                 class_overlap: float = 0.5,
                 signal: float = 4.,
                 amplitude_range: Tuple[float, float] = (0.6, 1.2),
                 distractor_rate: float = 0.7,
                 distractor_amplitude: float = 0.6,
                 background: float = 3.,
                 noise_std: float = 1.,
                 smooth_sigma: float = 1.) -> None:
        if not 0 <= class_overlap < 1:
            raise ValueError(
                f'class_overlap must be in [0, 1), got {class_overlap}')
        if not 16 <= min_steps <= max_steps:
            raise ValueError('need 16 <= min_steps <= max_steps, got '
                             f'{min_steps}, {max_steps}')
        self.seed = seed
        self.num_classes = num_classes
        self.feat_dim = feat_dim
        self.min_steps = min_steps
        self.max_steps = max_steps
        self.steps_per_instance = steps_per_instance
        self.median_length = median_length
        self.length_sigma = length_sigma
        self.class_group_size = class_group_size
        self.class_overlap = class_overlap
        self.signal = signal
        self.amplitude_range = tuple(amplitude_range)
        self.distractor_rate = distractor_rate
        self.distractor_amplitude = distractor_amplitude
        self.background = background
        self.noise_std = noise_std
        self.smooth_sigma = smooth_sigma
        self.classes = tuple(f'class_{i:02d}' for i in range(num_classes))
        self.patterns, self.background_basis = self._make_patterns()

    def _make_patterns(self) -> Tuple[np.ndarray, np.ndarray]:
        """``(num_classes, 4, C)`` phase patterns and ``(K, C)``
        background directions."""
        rng = np.random.default_rng([self.seed, 0])

        def directions(*shape):
            vectors = rng.standard_normal(shape + (self.feat_dim, ))
            return vectors / np.linalg.norm(vectors, axis=-1, keepdims=True)

        num_groups = -(-self.num_classes // self.class_group_size)
        action = directions(len(PHASES))
        groups = directions(num_groups, len(PHASES))
        own = directions(self.num_classes, len(PHASES))
        group_of = np.arange(self.num_classes) // self.class_group_size
        patterns = (
            np.sqrt(0.4 * self.class_overlap) * action[None] +
            np.sqrt(0.6 * self.class_overlap) * groups[group_of] +
            np.sqrt(1 - self.class_overlap) * own)
        patterns *= self.signal / np.linalg.norm(
            patterns, axis=-1, keepdims=True)
        return patterns, directions(self.NUM_BACKGROUND_DIRECTIONS)

    def step_seconds(self, position: np.ndarray) -> np.ndarray:
        """Seconds of step positions: the centre of their feature clip."""
        return (position * self.FEATURE_STRIDE +
                self.FEATURE_CLIP_LEN / 2) / self.FPS

    def seconds_to_steps(self, seconds: np.ndarray) -> np.ndarray:
        """Step positions of times, the inverse of :meth:`step_seconds`."""
        return (seconds * self.FPS -
                self.FEATURE_CLIP_LEN / 2) / self.FEATURE_STRIDE

    def video(self, subset: str, index: int) -> SyntheticVideo:
        """Generate one video (deterministic in seed, subset and index)."""
        rng = np.random.default_rng(
            [self.seed, 1 + SUBSETS.index(subset), index])
        num_steps = int(rng.integers(self.min_steps, self.max_steps + 1))
        # the frames the num_steps feature clips see
        num_frames = (num_steps - 1) * self.FEATURE_STRIDE + \
            self.FEATURE_CLIP_LEN
        # classes take turns as a video's main class, so all are frequent
        video_classes = [(index + self.seed) % self.num_classes]
        if rng.random() < self.SECOND_CLASS_RATE:
            others = np.delete(np.arange(self.num_classes), video_classes)
            video_classes.append(int(rng.choice(others)))

        # (T, classes, phases): how much of each class's phase patterns
        # every step carries
        activation = np.zeros((num_steps, ) + self.patterns.shape[:2])
        lengths = self._instance_lengths(rng, num_steps)
        instances, gaps = self._place(rng, lengths, num_steps)
        annotations = []
        for start, end in instances:
            label = video_classes[0]
            if rng.random() >= self.MAIN_CLASS_SHARE:
                label = int(rng.choice(video_classes))
            # the annotation file holds times rounded to the millisecond;
            # the features follow the rounded times, so that both agree
            seconds = np.round(self.step_seconds(np.array([start, end])), 3)
            start, end = self.seconds_to_steps(seconds)
            amplitude = rng.uniform(*self.amplitude_range)
            activation[:, label] += amplitude * self._phase_weights(
                num_steps, start, end, PHASES)
            annotations.append(
                dict(label=self.classes[label], segment=seconds.tolist()))

        distractors = []
        for _ in range(rng.poisson(self.distractor_rate * len(instances))):
            length = float(self._instance_lengths(rng, num_steps, 1)[0])
            room = [gap for gap in gaps if gap[1] - gap[0] >= length + 4]
            if not room:
                continue
            gap_start, gap_end = room[rng.integers(len(room))]
            start = rng.uniform(gap_start + 2, gap_end - 2 - length)
            # half of them look like the video's own actions
            label = video_classes[0]
            if rng.random() >= 0.5:
                label = int(rng.integers(self.num_classes))
            phases = DISTRACTOR_PHASES[rng.integers(len(DISTRACTOR_PHASES))]
            amplitude = self.distractor_amplitude * rng.uniform(
                *self.amplitude_range)
            activation[:, label] += amplitude * self._phase_weights(
                num_steps, start, start + length, phases)
            seconds = self.step_seconds(np.array([start, start + length]))
            distractors.append(
                dict(
                    label=self.classes[label],
                    segment=np.round(seconds, 3).tolist(),
                    phases=list(phases)))

        feats = activation.reshape(num_steps, -1) @ self.patterns.reshape(
            -1, self.feat_dim)
        feats += self._background(rng, num_steps)
        feats += self.noise_std * rng.standard_normal(feats.shape)
        feats = gaussian_filter1d(feats, self.smooth_sigma, axis=0)
        return SyntheticVideo(f'{subset}_{index:04d}', subset,
                              feats.astype(np.float32),
                              round(num_frames / self.FPS, 3), annotations,
                              distractors)

    def _instance_lengths(self,
                          rng: np.random.Generator,
                          num_steps: int,
                          count: Optional[int] = None) -> np.ndarray:
        if count is None:
            count = 1 + rng.poisson(num_steps / self.steps_per_instance)
        lengths = self.median_length * np.exp(
            self.length_sigma * rng.standard_normal(count))
        return np.clip(lengths, 3, num_steps / 4)

    def _place(self, rng: np.random.Generator, lengths: np.ndarray,
               num_steps: int) -> Tuple[list, list]:
        """Non-overlapping ``[start, end]`` step positions of the instances
        inside ``[0, num_steps - 1]``, and the background gaps between."""
        # actions fill at most 60% of a video, as in untrimmed benchmarks
        while lengths.sum() > 0.6 * num_steps:
            lengths = lengths[:-1]
        free = num_steps - 1 - lengths.sum()
        gap_sizes = free * rng.dirichlet(np.full(len(lengths) + 1, 2.))
        instances, gaps, position = [], [], 0.
        for gap, length in zip(gap_sizes, lengths):
            gaps.append((position, position + gap))
            position += gap
            instances.append((position, position + length))
            position += length
        gaps.append((position, num_steps - 1.))
        return instances, gaps

    def _background(self, rng: np.random.Generator,
                    num_steps: int) -> np.ndarray:
        """``(T, C)`` drifting mixture of the background directions."""
        num_dirs = self.NUM_BACKGROUND_DIRECTIONS
        decay = 0.97
        innovations = rng.standard_normal((num_steps, num_dirs))
        innovations[1:] *= np.sqrt(1 - decay**2)
        # AR(1) weights, stationary with unit variance from the first step
        weights = lfilter([1.], [1., -decay], innovations, axis=0)
        weights *= self.background / np.sqrt(num_dirs)
        return weights @ self.background_basis

    @staticmethod
    def _phase_weights(num_steps: int, start: float, end: float,
                       phases: Tuple[str, ...]) -> np.ndarray:
        """``(T, 4)`` weights of the phases of :data:`PHASES` over the
        stretch ``[start, end]`` (step positions), zero far outside it."""
        steps = np.arange(num_steps, dtype=np.float64)
        progress = np.clip((steps - start) / (end - start), 0, 1)
        # soft borders half a step wide: a clip straddling a boundary sees
        # part of the action
        inside = expit((steps - start) / 0.5) * expit((end - steps) / 0.5)
        weights = np.zeros((num_steps, len(PHASES)))
        for phase in phases:
            index = PHASES.index(phase)
            centre, width = _PHASE_CENTRES[index], _PHASE_WIDTHS[index]
            bump = np.exp(-0.5 * ((progress - centre) / width)**2)
            weights[:, index] = bump * inside
        return weights

    def write(self,
              out_dir: str,
              num_videos: Optional[Dict[str, int]] = None,
              progress: bool = False) -> dict:
        """Write the dataset in the layout of real feature datasets.

        ``out_dir/annotations.json`` (TAD format, subsets ``training`` and
        ``validation``), ``out_dir/classes.txt``,
        ``out_dir/features/<video>.npy`` (``(T, C)`` float32) and
        ``out_dir/meta.json`` (the generator's settings, the feature timing
        and every video's distractors).

        Args:
            out_dir (str): Created if missing.
            num_videos (dict[str, int], optional): Videos per subset.
                Defaults to ``dict(training=200, validation=80)``.
            progress (bool): Show a progress bar. Defaults to False.

        Returns:
            dict: The content of ``meta.json``.
        """
        num_videos = num_videos or dict(training=200, validation=80)
        unknown = set(num_videos) - set(SUBSETS)
        if unknown:
            raise ValueError(f'subsets are {SUBSETS}, got {sorted(unknown)}')
        mkdir_or_exist(osp.join(out_dir, 'features'))
        database, distractors = {}, {}
        bar = ProgressBar(sum(num_videos.values())) if progress else None
        for subset, count in num_videos.items():
            for index in range(count):
                video = self.video(subset, index)
                np.save(
                    osp.join(out_dir, 'features', video.name + '.npy'),
                    video.feats)
                database[video.name] = dict(
                    subset=subset,
                    duration=video.duration,
                    fps=self.FPS,
                    annotations=video.annotations)
                distractors[video.name] = video.distractors
                if bar is not None:
                    bar.update()
        meta = dict(
            generator='mmgaf.datasets.synthetic.SyntheticTAD',
            settings=self.settings(),
            features=dict(
                layout=self.FEATURE_LAYOUT,
                dim=self.feat_dim,
                fps=self.FPS,
                stride=self.FEATURE_STRIDE,
                clip_len=self.FEATURE_CLIP_LEN),
            num_videos=dict(num_videos),
            distractors=distractors)
        mmengine.dump(
            dict(database=database),
            osp.join(out_dir, 'annotations.json'),
            indent=1)
        mmengine.dump(meta, osp.join(out_dir, 'meta.json'), indent=1)
        with open(osp.join(out_dir, 'classes.txt'), 'w') as f:
            f.writelines(name + '\n' for name in self.classes)
        return meta

    def settings(self) -> dict:
        """The constructor's arguments, to recreate this generator."""
        return dict(
            seed=self.seed,
            num_classes=self.num_classes,
            feat_dim=self.feat_dim,
            min_steps=self.min_steps,
            max_steps=self.max_steps,
            steps_per_instance=self.steps_per_instance,
            median_length=self.median_length,
            length_sigma=self.length_sigma,
            class_group_size=self.class_group_size,
            class_overlap=self.class_overlap,
            signal=self.signal,
            amplitude_range=list(self.amplitude_range),
            distractor_rate=self.distractor_rate,
            distractor_amplitude=self.distractor_amplitude,
            background=self.background,
            noise_std=self.noise_std,
            smooth_sigma=self.smooth_sigma)
