from .inference import infer_video_attention, video_window_indices

__all__ = ['infer_video_attention', 'video_window_indices']
