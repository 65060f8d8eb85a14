# AFSD on one stream of two-stream I3D features (1024 channels: RGB or
# flow), e.g. each stream of TwoStreamLocalizer.
_base_ = './afsd.py'

model = dict(pyramid=dict(in_channels=1024))
