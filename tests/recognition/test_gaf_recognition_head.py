"""GAF's recognition loss (eq. 12): the foreground with the true class, the
background with the background class, in MMAction2's own Recognizer3D."""
import math

import pytest
import torch
from mmaction.structures import ActionDataSample

from mmgaf.models.heads import GAFRecognitionHead
from mmgaf.models.necks.gaf import GAFRecognitionFeatures
from mmgaf.registry import MODELS

pytestmark = pytest.mark.usefixtures('one_thread')


def samples(labels):
    return [ActionDataSample().set_gt_labels(label) for label in labels]


def constant_map(vector, shape=(2, 3, 3)):
    """A (1, C, T, H, W) map whose every position is ``vector``."""
    return torch.tensor(vector).view(1, -1, 1, 1, 1).expand(1, -1, *shape)


def test_background_class_loss_on_a_hand_example():
    head = GAFRecognitionHead(
        num_classes=2, in_channels=2, dropout_ratio=0, background_weight=0.5)
    assert head.fc_cls.out_features == 3 and head.background_label == 2
    with torch.no_grad():
        head.fc_cls.weight.copy_(torch.tensor([[1., 0.], [0., 1.], [0., 2.]]))
        head.fc_cls.bias.zero_()
    feats = GAFRecognitionFeatures(
        constant_map([2., 0.]), constant_map([0., 1.]))
    losses = head.loss(feats, samples([0]))
    # foreground logits (2, 0, 0), true class 0:
    #   -log(e^2 / (e^2 + 2)) = log(1 + 2 e^-2) = log(1.2706706) = 0.2395448
    assert losses['loss_cls'].item() == pytest.approx(0.2395448, abs=1e-6)
    # background logits (0, 1, 2), background class 2:
    #   -log(e^2 / (1 + e + e^2)) = log(11.1073379) - 2 = 0.4076060
    # times background_weight 0.5
    assert losses['loss_cls_bg'].item() == pytest.approx(
        0.5 * 0.4076060, abs=1e-6)
    assert losses['top1_acc'].item() == 1.0
    # phase frame: the neck hands over no maps, the head adds no loss
    assert head.loss(GAFRecognitionFeatures(None, None), samples([0])) == {}
    with pytest.raises(TypeError, match='without GAF use I3DHead'):
        head.loss(constant_map([2., 0.]), samples([0]))


def test_predictions_score_the_actions_only():
    head = GAFRecognitionHead(
        num_classes=2, in_channels=2, average_clips='prob')
    with torch.no_grad():
        head.fc_cls.weight.copy_(torch.tensor([[1., 0.], [0., 1.], [0., 9.]]))
        head.fc_cls.bias.zero_()
    head.eval()
    [result] = head.predict(constant_map([1., 1.]), samples([1]))
    # the background's logit 9 is dropped: softmax of (1, 1)
    assert result.pred_scores.item.tolist() == pytest.approx([0.5, 0.5])


def tiny_recognizer(gaf=True):
    neck = dict(
        type='GAFNeck',
        in_channels=16,
        spatial_sizes=[(2, 2)],
        attention=dict(type='SegmentAttention', hidden_channels=32),
        cvae=dict(
            type='ConditionalVAE', hidden_channels=32, latent_channels=8),
        loss_detection=None,
        return_background=True)
    return MODELS.build(
        dict(
            type='Recognizer3D',
            backbone=dict(
                type='ResNet3d',
                depth=18,
                base_channels=2,
                pretrained=None,
                pretrained2d=False,
                conv1_kernel=(1, 3, 3),
                inflate=(0, 0, 0, 0)),
            neck=neck if gaf else None,
            cls_head=dict(
                type='GAFRecognitionHead' if gaf else 'I3DHead',
                num_classes=3,
                in_channels=16,
                average_clips='prob'),
            data_preprocessor=dict(
                type='ActionDataPreprocessor', format_shape='NCTHW')))


def parameters_with_grad(module):
    return {
        name
        for name, param in module.named_parameters()
        if param.grad is not None and param.grad.abs().sum() > 0
    }


def test_phases_in_recognizer3d_train_what_their_optimizer_trains():
    torch.manual_seed(0)
    model = tiny_recognizer()
    inputs = torch.randn(2, 1, 3, 8, 64, 64)
    model.neck.set_phase('frame')
    losses = model.loss(inputs, samples([0, 2]))
    # frame-GAF's optimizer trains the CVAE: its log shows L_CVAE only
    assert set(losses) == {'loss_cvae_rec', 'loss_cvae_kl'}
    sum(losses.values()).backward()
    trained = parameters_with_grad(model)
    assert trained and all(name.startswith('neck.cvaes.') for name in trained)
    model.zero_grad()
    model.neck.set_phase('segment')
    losses = model.loss(inputs, samples([0, 2]))
    assert set(losses) == {
        'loss_cls', 'loss_cls_bg', 'loss_recon', 'top1_acc', 'top5_acc'
    }
    losses['loss_cls_bg'].backward()
    trained = parameters_with_grad(model)
    # the background term trains the classifier, the attention and the
    # backbone, not frame-GAF
    assert 'cls_head.fc_cls.weight' in trained
    assert any(name.startswith('neck.attention_heads.') for name in trained)
    assert any(name.startswith('backbone.') for name in trained)
    assert not any(name.startswith('neck.cvaes.') for name in trained)


def test_gaf_on_and_off_predict_alike():
    for gaf in (True, False):
        model = tiny_recognizer(gaf).eval()
        with torch.no_grad():
            results = model.predict(
                torch.randn(2, 2, 3, 8, 64, 64), samples([0, 1]))
        assert [r.pred_scores.item.shape for r in results] == [(3, )] * 2
        assert math.isclose(
            results[0].pred_scores.item.sum().item(), 1, rel_tol=1e-5)
