from .afsd import AFSD
from .bmn_with_neck import BMNWithNeck
from .two_stream_localizer import TwoStreamLocalizer

__all__ = ['AFSD', 'BMNWithNeck', 'TwoStreamLocalizer']
