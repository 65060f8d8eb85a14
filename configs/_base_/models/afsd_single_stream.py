# AFSD on one stream of two-stream I3D features (1024 channels: RGB or
# flow), e.g. each stream of TwoStreamLocalizer, with AFSD's recipe
# (./afsd_recipe.py).
_base_ = './afsd_recipe.py'

model = dict(pyramid=dict(in_channels=1024))
