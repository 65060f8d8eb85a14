from mmengine.structures import BaseDataElement, InstanceData


class TADDataSample(BaseDataElement):
    """The data of one window of an untrimmed video, for temporal action
    detection.

    Data fields:

    - ``gt_instances`` (:obj:`InstanceData`): ``segments`` float tensor
      ``(N, 2)`` of ``[start, end]`` in window steps (feature steps or
      frames, counted from the first step of the window; fractional values
      are exact positions, not rounded), and ``labels`` long tensor ``(N,)``
      with values in ``[0, num_classes)``.
    - ``pred_instances`` (:obj:`InstanceData`): ``segments`` ``(K, 2)`` in
      the same window steps, ``scores`` ``(K,)`` and ``labels`` ``(K,)``,
      before the per-video NMS that :class:`TADMetric` applies.

    Meta information (set by the dataset, read by models and metrics):

    - ``video_name`` (str), ``duration`` (float, seconds),
    - ``window_start`` (int): the first step of the window within the video,
    - ``window_size`` (int): steps in the window, padding included,
    - ``valid_len`` (int): steps of real data in the window,
    - ``time_scale`` and ``time_shift`` (float): a window position ``p``
      (in steps) is at ``p * time_scale + time_shift`` seconds in the video.
    """

    @property
    def gt_instances(self) -> InstanceData:
        return self._gt_instances

    @gt_instances.setter
    def gt_instances(self, value: InstanceData) -> None:
        self.set_field(value, '_gt_instances', dtype=InstanceData)

    @gt_instances.deleter
    def gt_instances(self) -> None:
        del self._gt_instances

    @property
    def pred_instances(self) -> InstanceData:
        return self._pred_instances

    @pred_instances.setter
    def pred_instances(self, value: InstanceData) -> None:
        self.set_field(value, '_pred_instances', dtype=InstanceData)

    @pred_instances.deleter
    def pred_instances(self) -> None:
        del self._pred_instances
