from typing import Dict, Optional, Sequence

import numpy as np
from matplotlib.figure import Figure
from mmengine.visualization import Visualizer

from mmgaf.registry import VISUALIZERS
from .attention import draw_attention_curve
from .curves import draw_training_curves
from .metrics import draw_class_ap
from .timeline import draw_class_timeline


def figure_to_image(figure: Figure) -> np.ndarray:
    """The RGB pixels of a matplotlib figure drawn at its own dpi.

    Args:
        figure (Figure): A figure with an Agg canvas.

    Returns:
        np.ndarray: ``(H, W, 3)`` uint8.
    """
    canvas = figure.canvas
    canvas.draw()
    return np.asarray(canvas.buffer_rgba())[..., :3].copy()


@VISUALIZERS.register_module()
class TADVisualizer(Visualizer):
    """Temporal action detection pictures, sent to MMEngine's vis backends.

    Each ``add_*`` method draws one picture with
    :mod:`mmgaf.visualization`'s functions, optionally saves it as a PNG and
    hands it to :meth:`add_image`, so it reaches every configured backend
    (``LocalVisBackend``'s ``vis_image/``, TensorBoard, WandB...).

    Args:
        name (str): The instance's name (MMEngine's ``ManagerMixin``).
            Defaults to ``'visualizer'``.
        vis_backends (list[dict], optional): E.g.
            ``[dict(type='LocalVisBackend'),
            dict(type='TensorboardVisBackend')]``. Defaults to None.
        save_dir (str, optional): Where the backends write. Defaults to
            None.
        class_names (Sequence[str], optional): Names of the class indices;
            :meth:`add_datasample` needs them (or ``dataset_meta``).
            Defaults to None.
        top_k (int): Detections drawn per video. Defaults to 20.

    Example:
        >>> visualizer = TADVisualizer(class_names=('jump', 'run'))
        >>> visualizer.add_datasample(
        ...     'video_1', dict(segments=[[1., 3.]], labels=[0],
        ...                     scores=[0.9]), duration=10.)
    """

    def __init__(self,
                 name: str = 'visualizer',
                 vis_backends: Optional[Sequence[dict]] = None,
                 save_dir: Optional[str] = None,
                 class_names: Optional[Sequence[str]] = None,
                 top_k: int = 20) -> None:
        super().__init__(
            name=name, vis_backends=vis_backends, save_dir=save_dir)
        if class_names is not None:
            self.dataset_meta = dict(classes=tuple(class_names))
        self.top_k = top_k

    def _publish(self, name: str, figure: Figure, step: int,
                 out_file: Optional[str]) -> np.ndarray:
        if out_file:
            figure.savefig(out_file, dpi=figure.dpi)
        image = figure_to_image(figure)
        self.add_image(name, image, step)
        return image

    def add_datasample(self,
                       name: str,
                       pred: dict,
                       duration: float,
                       gt: Optional[dict] = None,
                       step: int = 0,
                       out_file: Optional[str] = None) -> np.ndarray:
        """The detection timeline of one video (:func:`draw_class_timeline`).

        Args:
            name (str): The picture's name, e.g. the video.
            pred (dict): ``segments`` ``(K, 2)`` seconds, ``labels``
                ``(K,)``, ``scores`` ``(K,)``.
            duration (float): The video's length in seconds.
            gt (dict, optional): ``segments`` ``(N, 2)`` seconds and
                ``labels`` ``(N,)``. Defaults to None.
            step (int): The backends' step. Defaults to 0.
            out_file (str, optional): Also save a PNG here.

        Returns:
            np.ndarray: The ``(H, W, 3)`` picture.
        """
        classes = (self.dataset_meta or {}).get('classes')
        if not classes:
            raise ValueError('TADVisualizer needs the class names: '
                             'class_names=... or dataset_meta')
        gt = gt or {}
        figure = draw_class_timeline(
            pred['segments'],
            pred['labels'],
            pred['scores'],
            duration,
            classes,
            gt_segments=gt.get('segments'),
            gt_labels=gt.get('labels'),
            top_k=self.top_k,
            title=name)
        return self._publish(name, figure, step, out_file)

    def add_attention(self,
                      name: str,
                      times: np.ndarray,
                      attention: Dict[str, np.ndarray],
                      duration: float,
                      gt_segments: Optional[np.ndarray] = None,
                      step: int = 0,
                      out_file: Optional[str] = None) -> np.ndarray:
        """GAF's attention λ over a video (:func:`draw_attention_curve`);
        arguments as there, ``step`` and ``out_file`` as in
        :meth:`add_datasample`."""
        figure = draw_attention_curve(
            times,
            attention,
            np.zeros((0, 2)) if gt_segments is None else gt_segments,
            duration,
            title=name)
        return self._publish(name, figure, step, out_file)

    def add_class_ap(self,
                     name: str,
                     per_class: Dict[str, Optional[float]],
                     step: int = 0,
                     out_file: Optional[str] = None) -> np.ndarray:
        """Per-class AP bars (:func:`draw_class_ap`)."""
        figure = draw_class_ap(per_class, title=name)
        return self._publish(name, figure, step, out_file)

    def add_training_curves(self,
                            name: str,
                            records: Sequence[dict],
                            step: int = 0,
                            out_file: Optional[str] = None) -> np.ndarray:
        """Losses and metrics of a run (:func:`draw_training_curves`)."""
        figure = draw_training_curves(records, title=name)
        return self._publish(name, figure, step, out_file)
