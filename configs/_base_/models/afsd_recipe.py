# AFSD as its authors wrote it (AFSD/thumos14/BDNet.py, multisegment_loss.py,
# train.py, test.py; configs/thumos14.yaml), on top of ./afsd.py; the parity
# tests in tests/parity/ compare it with the original code.
# - padding: the stride-2 convolutions pad (0, 1) on even lengths, as
#   AFSD's Unit1D (TensorFlow's 'SAME'), not (1, 1);
# - initialisation: glorot-uniform on every convolution with zero biases,
#   the prediction convolutions included (BDNet.reset_params);
# - classification: a softmax over K + 1 channels, channel 0 the
#   background, with AFSD's focal loss; the heads and the post-processor
#   follow the loss (AFSD.use_background_class);
# - the boundary-contrastive loss (train.py --ssl 0.1): triplet margin loss
#   on boundary-pooled features, level weights 1, 0.1, 0.1;
# - test time: softmax scores, every candidate above 0.01 per window, the
#   segments clamped to the window (test.py).
_base_ = ['./afsd.py', './afsd_recipe_switches.py']

model = {{_base_.afsd_recipe}}
