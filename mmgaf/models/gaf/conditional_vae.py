from collections import OrderedDict
from typing import NamedTuple, Optional, Sequence

import torch
import torch.nn as nn
from mmcv.cnn import ConvModule
from mmengine.model import BaseModule
from torch import Tensor

from mmgaf.registry import MODELS
from .temporal_projection import TemporalExpansion, TemporalReduction


class CVAEOutput(NamedTuple):
    """What one pass of :class:`ConditionalVAE` produces.

    ``reconstruction`` has the input's shape; the Gaussian parameters
    ``mean`` / ``log_var`` of q(z | f, λ) and ``prior_mean`` of p(z | λ) are
    ``(B, Z, T)``.
    """
    reconstruction: Tensor
    mean: Tensor
    log_var: Tensor
    prior_mean: Tensor


def _pointwise_mlp(in_channels: int, hidden_channels: int, out_channels: int,
                   num_layers: int) -> nn.Sequential:
    """An MLP applied at every time step of a ``(B, C, T)`` sequence (1x1
    convolutions); ReLU between layers, none after the last."""
    layers = []
    channels = in_channels
    for _ in range(num_layers - 1):
        layers.append(
            ConvModule(
                channels,
                hidden_channels,
                1,
                conv_cfg=dict(type='Conv1d'),
                act_cfg=dict(type='ReLU')))
        channels = hidden_channels
    layers.append(nn.Conv1d(channels, out_channels, 1))
    return nn.Sequential(*layers)


@MODELS.register_module()
class ConditionalVAE(BaseModule):
    """Frame-GAF: a conditional VAE of a feature map given the attention.

    For every time step t (paper eqs. 5-9):

    - encoder q(z_t | f_t, λ_t) = N(μ, diag σ²): θ reduces f_t, the reduced
      feature concatenated with λ_t goes through an MLP giving μ and log σ²;
    - prior p(z_t | λ_t) = N(λ_t, I): a per-step λ_t repeated over the Z
      latent channels, or, with per-channel attention
      (:class:`ChannelTimeAttention`, Z = C as the authors' code), the C
      weights of step t;
    - decoder p(f_t | λ_t, z_t): an MLP of [z_t, λ_t] and θ' back to the
      input's shape (a ``1 x H x W`` transposed convolution for 5-D maps).

    Args:
        in_channels (int): C of the modelled feature map.
        hidden_channels (int): Channels after θ and in the MLPs.
            Defaults to 512.
        latent_channels (int): Z, the size of z_t. Defaults to 256.
        spatial_size (Sequence[int], optional): ``(H, W)`` of 5-D inputs,
            None for ``(B, C, T)`` inputs. Defaults to None.
        num_mlp_layers (int): Layers of each MLP. Defaults to 3, as the
            authors' code.
        condition_channels (int): Channels of λ: 1 for one weight per step,
            or Z for one weight per latent channel and step (then the prior
            mean is λ itself). :class:`GAFNeck` fills it in from its
            attention head. Defaults to 1.
        norm_cfg (dict, optional): Normalisation after θ in the encoder and
            after θ' in the decoder; the authors' code has
            ``dict(type='GN', num_groups=32)``. Defaults to None.
        act_cfg (dict, optional): Activation after those normalisations;
            the authors' code has ReLU, which makes every reconstruction
            non-negative (as I3D's features are). Defaults to None.
        init_cfg (dict or list[dict], optional): Initialization config.
    """

    LOG_VAR_BOUND = 10.

    def __init__(self,
                 in_channels: int,
                 hidden_channels: int = 512,
                 latent_channels: int = 256,
                 spatial_size: Optional[Sequence[int]] = None,
                 num_mlp_layers: int = 3,
                 condition_channels: int = 1,
                 norm_cfg: Optional[dict] = None,
                 act_cfg: Optional[dict] = None,
                 init_cfg: Optional[dict] = None) -> None:
        super().__init__(init_cfg=init_cfg)
        if condition_channels not in (1, latent_channels):
            raise ValueError(
                'condition_channels must be 1 (one weight per step) or '
                f'latent_channels={latent_channels} (the prior N(λ, I) then '
                f'has one mean per latent channel), got {condition_channels}')
        self.latent_channels = latent_channels
        self.condition_channels = condition_channels
        self.reduction = TemporalReduction(
            in_channels,
            hidden_channels,
            spatial_size,
            norm_cfg=norm_cfg,
            act_cfg=act_cfg)
        self.encoder_mlp = _pointwise_mlp(hidden_channels + condition_channels,
                                          hidden_channels, 2 * latent_channels,
                                          num_mlp_layers)
        self.decoder = nn.Sequential(
            OrderedDict(
                mlp=_pointwise_mlp(latent_channels + condition_channels,
                                   hidden_channels, hidden_channels,
                                   num_mlp_layers),
                expansion=TemporalExpansion(
                    hidden_channels,
                    in_channels,
                    spatial_size,
                    norm_cfg=norm_cfg,
                    act_cfg=act_cfg)))

    def _condition(self, attention: Tensor) -> Tensor:
        """λ ``(B, T)`` or ``(B, C_λ, T)`` as ``(B, C_λ, T)``."""
        condition = attention.unsqueeze(1) if attention.dim() == 2 \
            else attention
        if condition.dim() != 3 or \
                condition.size(1) != self.condition_channels:
            raise ValueError(
                f'ConditionalVAE was built with condition_channels='
                f'{self.condition_channels}, got attention of shape '
                f'{tuple(attention.shape)}')
        return condition

    def prior_mean(self, attention: Tensor) -> Tensor:
        """Mean of p(z | λ), ``(B, Z, T)``: λ (B, T) repeated over the Z
        latent channels, or λ (B, Z, T) itself."""
        return self._condition(attention).expand(-1, self.latent_channels, -1)

    def encode(self, x: Tensor, attention: Tensor):
        """q(z | f, λ) of x (B, C, T[, H, W]) and λ (B, T) or (B, Z, T): mean
        and log variance (clamped to ±``LOG_VAR_BOUND``), each
        ``(B, Z, T)``."""
        hidden = torch.cat([self.reduction(x),
                            self._condition(attention)],
                           dim=1)
        mean, log_var = self.encoder_mlp(hidden).chunk(2, dim=1)
        # on unnormalised backbone features an unbounded log variance can
        # overflow exp() in the reparameterisation and the KL term
        return mean, log_var.clamp(-self.LOG_VAR_BOUND, self.LOG_VAR_BOUND)

    def decode(self, z: Tensor, attention: Tensor) -> Tensor:
        """The mean of p(f | λ, z): z (B, Z, T) and λ (B, T) or (B, Z, T) to
        the shape of the modelled map."""
        return self.decoder(torch.cat([z, self._condition(attention)], dim=1))

    def forward(self,
                x: Tensor,
                attention: Tensor,
                sample: bool = True) -> CVAEOutput:
        """Encode, draw z (reparameterised when ``sample``, else z = μ) and
        reconstruct x.

        Args:
            x (Tensor): (B, C, T[, H, W]).
            attention (Tensor): λ, (B, T) or (B, Z, T).
            sample (bool): Whether to sample z. Defaults to True.
        """
        mean, log_var = self.encode(x, attention)
        z = mean
        if sample:
            z = mean + torch.randn_like(mean) * torch.exp(0.5 * log_var)
        return CVAEOutput(
            self.decode(z, attention), mean, log_var,
            self.prior_mean(attention))

    def generate(self, attention: Tensor, sample: bool = True) -> Tensor:
        """A feature map from the prior: z ~ p(z | λ) = N(λ, I), or z = λ
        (the prior mean) when ``sample`` is False, then the decoder.

        Args:
            attention (Tensor): λ, (B, T) or (B, Z, T).
            sample (bool): Whether to sample z. Defaults to True.
        """
        z = self.prior_mean(attention)
        if sample:
            z = z + torch.randn_like(z)
        return self.decode(z, attention)
