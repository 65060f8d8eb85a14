from .afsd import AFSD
from .two_stream_localizer import TwoStreamLocalizer

__all__ = ['AFSD', 'TwoStreamLocalizer']
