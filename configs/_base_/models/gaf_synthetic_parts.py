# GAF's parts as the authors' code builds them, sized for the built-in
# dataset (256 feature channels, 128-step windows), as variables for the
# configs of Table IV's rows (configs/gaf/afsd_gaf*_synthetic.py):
# - the attention: one weight per channel and step (ChannelTimeAttention).
#   The paper's one weight per step (eq. 11, SegmentAttention) separated
#   action from background better on seed 0 but was unstable over seeds
#   (one fell 7 points below AFSD; README, "Accuracy");
# - L_n-ai: AFSD's coarse losses on the background map against the
#   action-free intervals, weighted 35 : 1 as the authors' code. It trains
#   λ only and is averaged over the intervals' positions: summed over every
#   prior, with or without training the detector (the authors' way), it
#   cost AFSD + GAF about 17 points of average mAP on the seed tried;
# - frame-GAF: a latent as wide as the feature, GroupNorm and ReLU in
#   encoder and decoder.
# Everything else is GAFNeck's defaults. Defines no `model`.
gaf_attention = dict(
    type='ChannelTimeAttention', num_steps=128, hidden_channels=128)
gaf_background_loss = dict(
    type='ActionBackgroundLoss',
    background_weight=35.,
    background_loss_keys=('loss_cls', 'loss_loc'))
gaf_cvae = dict(
    type='ConditionalVAE',
    hidden_channels=256,
    latent_channels=256,
    norm_cfg=dict(type='GN', num_groups=32),
    act_cfg=dict(type='ReLU'))
