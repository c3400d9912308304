"""One ``Linear`` per prompted layer, held as stacked tensors."""
import math
from typing import Iterator, NamedTuple, Optional

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
    layer by layer in order, weight then bias) or at zero (``'zeros'``,
    which draws nothing). State dicts saved with one ``nn.Linear`` per layer
    (``0.weight``, ``0.bias``, ...) load too.

    Args:
        num_layers (int): ``J``; 0 gives an empty module.
        in_features, out_features (int): Sizes of each layer.
        init (str): ``'zeros'`` or ``'default'``.
        generator (torch.Generator, optional): Source of the ``'default'``
            draws; None draws from the global RNG (the same numbers as
            ``nn.Linear`` layers built in its place).
    """

    def __init__(self, num_layers: int, in_features: int, out_features: int,
                 init: str = 'zeros',
                 generator: Optional[torch.Generator] = None) -> None:
        super().__init__()
        self.in_features, self.out_features = in_features, out_features
        if num_layers == 0:  # no parameters at all, as an empty ModuleList
            self.register_parameter('weight', None)
            self.register_parameter('bias', None)
            return
        weight = torch.zeros(num_layers, out_features, in_features)
        bias = torch.zeros(num_layers, out_features)
        if init == 'default':
            for layer in range(num_layers):
                _linear_init(weight[layer], bias[layer], generator)
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


def _linear_init(weight: Tensor, bias: Tensor,
                 generator: Optional[torch.Generator]) -> None:
    """``nn.Linear``'s default init, in place, drawn from ``generator``:
    weight ~ U(+-1/sqrt(in)) via Kaiming-uniform with a=sqrt(5), then the
    bias ~ U(+-1/sqrt(in))."""
    nn.init.kaiming_uniform_(weight, a=math.sqrt(5), generator=generator)
    bound = 1 / math.sqrt(weight.shape[1]) if weight.shape[1] > 0 else 0
    nn.init.uniform_(bias, -bound, bound, generator=generator)
