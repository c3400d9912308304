"""One ``Linear`` per prompted layer, held as stacked tensors."""
from typing import Iterator, NamedTuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn


class LayerLinear(NamedTuple):
    """Layer ``l`` of a :class:`LayerwiseLinear`: views of its weight
    ``(out, in)`` and bias ``(out,)``, callable like ``nn.Linear``."""

    weight: Tensor
    bias: Tensor

    @property
    def in_features(self) -> int:
        return self.weight.shape[1]

    @property
    def out_features(self) -> int:
        return self.weight.shape[0]

    def __call__(self, x: Tensor) -> Tensor:
        return F.linear(x, self.weight, self.bias)


class LayerwiseLinear(nn.Module):
    """``num_layers`` independent ``Linear(in_features, out_features)``, one
    per prompted layer, applied to all layers in one batched product.

    The weights live in two parameters, ``weight`` ``(J, out, in)`` and
    ``bias`` ``(J, out)``, so that a training step handles 2 tensors instead
    of ``2 J`` (gradient clipping, optimizer, gradient accumulation) and the
    forward is one ``baddbmm``. ``module[l]`` gives layer ``l`` as a
    :class:`LayerLinear` (views: editing them edits the module).

    Each layer starts as an ``nn.Linear`` would (``init='default'``, drawn
    layer by layer in order) or at zero (``'zeros'``). State dicts saved with
    one ``nn.Linear`` per layer (``0.weight``, ``0.bias``, ...) load too.

    Args:
        num_layers (int): ``J``; 0 gives an empty module.
        in_features, out_features (int): Sizes of each layer.
        init (str): ``'zeros'`` or ``'default'``.
    """

    def __init__(self, num_layers: int, in_features: int, out_features: int,
                 init: str = 'zeros') -> None:
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        if num_layers == 0:  # no parameters at all, as an empty ModuleList
            self.register_parameter('weight', None)
            self.register_parameter('bias', None)
            return
        layers = [nn.Linear(in_features, out_features)
                  for _ in range(num_layers)]
        weight = torch.stack([m.weight.detach() for m in layers])
        bias = torch.stack([m.bias.detach() for m in layers])
        if init == 'zeros':
            weight.zero_()
            bias.zero_()
        self.weight = nn.Parameter(weight)  # (J, out, in)
        self.bias = nn.Parameter(bias)  # (J, out)

    def __len__(self) -> int:
        return 0 if self.weight is None else self.weight.shape[0]

    def __getitem__(self, layer: int) -> LayerLinear:
        return LayerLinear(self.weight[layer], self.bias[layer])

    def __iter__(self) -> Iterator[LayerLinear]:
        return (self[layer] for layer in range(len(self)))

    def forward(self, x: Tensor) -> Tensor:
        """``(J', n, in)`` to ``(J', n, out)``: layer ``l`` maps ``x[l]``,
        for the first ``J' <= J`` layers."""
        layers = x.shape[0]
        return torch.baddbmm(self.bias[:layers].unsqueeze(1), x,
                             self.weight[:layers].transpose(1, 2))

    def _load_from_state_dict(self, state_dict, prefix, *args, **kwargs):
        # one nn.Linear per layer (checkpoints before the stacking)
        per_layer = f'{prefix}0.weight'
        if f'{prefix}weight' not in state_dict and per_layer in state_dict:
            for name in ('weight', 'bias'):
                keys = [f'{prefix}{layer}.{name}'
                        for layer in range(len(self))]
                if all(k in state_dict for k in keys):
                    state_dict[f'{prefix}{name}'] = torch.stack(
                        [state_dict.pop(k) for k in keys])
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def extra_repr(self) -> str:
        return (f'layers={len(self)}, in_features={self.in_features}, '
                f'out_features={self.out_features}')
