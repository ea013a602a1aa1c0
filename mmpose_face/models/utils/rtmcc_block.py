"""RTMPose's Gated Attention Unit (Hua et al., 2022), with its scale, rotary embedding and relative bias."""
import math

import torch
import torch.nn.functional as F
from mmcv.cnn.bricks import DropPath
from torch import nn

from .scale_norm import ScaleNorm


def rope(x: torch.Tensor, dim) -> torch.Tensor:
    """Rotary position embedding (Su et al., 2021) of x (..., C) along the axis or axes
    ``dim`` (int or list of ints): the two halves of the last axis rotated by the
    angle ``position * 10000 ** (i / (C / 2))`` of channel pair i; mmpose's ``rope``
    (its frequencies included)."""
    shape = x.shape
    dims = [dim] if isinstance(dim, int) else list(dim)
    spatial_shape = [shape[i] for i in dims]
    position = torch.arange(math.prod(spatial_shape), dtype=torch.int, device=x.device).reshape(spatial_shape)
    for _ in range(dims[-1] + 1, len(shape) - 1):
        position = position.unsqueeze(-1)
    half_size = shape[-1] // 2
    inverse_frequency = 10000 ** (torch.arange(half_size, dtype=torch.int, device=x.device) / half_size)
    angle = position[..., None] * inverse_frequency[None, None, :]
    sin, cos = torch.sin(angle), torch.cos(angle)
    x1, x2 = torch.chunk(x, 2, dim=-1)
    return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin], dim=-1)


class Scale(nn.Module):
    """x (..., dim) times a learnt vector ``scale`` (dim,), initialised to ``init_value``."""

    def __init__(self, dim: int, init_value: float = 1., trainable: bool = True):
        super().__init__()
        self.scale = nn.Parameter(init_value * torch.ones(dim), requires_grad=trainable)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.scale


class RTMCCBlock(nn.Module):
    """Tokens (B, N, in_token_dims) -> (B, N, out_token_dims): a Gated Attention Unit.

    ``x -> ScaleNorm -> uv`` (a linear layer and ``act_fn``) ``-> u, v, base``;
    ``q, k = base * gamma + beta`` (rotary embedding with ``pos_enc``);
    ``o(u * relu(q k^T / sqrt(s) + bias)^2 v)``; plus ``res_scale(x)`` when the
    input and output widths are equal. In ``'cross-attn'`` the input is
    ``(x, k, v)`` and k, v come through their own linear layers.

    mmpose 1.3.2's ``RTMCCBlock``: arguments, defaults, initialisation and
    state-dict keys (``uv``, ``o``, ``gamma``, ``beta``, ``w``, ``ln.g``,
    ``res_scale.scale``; ``k_fc``, ``v_fc``, ``a``, ``b`` in cross attention).

    Args:
        num_token: N, the number of tokens (keypoints in RTMCCHead).
        in_token_dims, out_token_dims: token widths in and out.
        expansion_factor: e = in_token_dims * expansion_factor, the width of u and v.
        s: the width of q and k.
        eps: ScaleNorm's eps.
        dropout_rate: dropout on the attention kernel.
        drop_path: stochastic depth of the block's branch.
        attn_type: ``'self-attn'`` or ``'cross-attn'``.
        act_fn: ``'SiLU'`` or ``'ReLU'`` (or those classes).
        bias: biases in the linear layers.
        use_rel_bias: a learnt bias per token offset (``w``, 2N - 1 values) added
            to ``q k^T``; self attention only.
        pos_enc: rotary position embedding of q and k.
    """

    def __init__(self, num_token: int, in_token_dims: int, out_token_dims: int, expansion_factor: int = 2,
                 s: int = 128, eps: float = 1e-5, dropout_rate: float = 0., drop_path: float = 0.,
                 attn_type: str = 'self-attn', act_fn='SiLU', bias: bool = False, use_rel_bias: bool = True,
                 pos_enc: bool = False):
        super().__init__()
        if attn_type not in ('self-attn', 'cross-attn'):
            raise ValueError(f"RTMCCBlock: attn_type must be 'self-attn' or 'cross-attn', got {attn_type!r}")
        if use_rel_bias and attn_type == 'cross-attn':
            # mmpose builds a and b for it, but its forward then fails (a 2-D bmm)
            raise NotImplementedError('RTMCCBlock: use_rel_bias works with self attention only')
        self.s, self.num_token = s, num_token
        self.use_rel_bias, self.attn_type, self.pos_enc = use_rel_bias, attn_type, pos_enc
        self.drop_path = DropPath(drop_path) if drop_path > 0. else nn.Identity()
        self.e = int(in_token_dims * expansion_factor)
        if use_rel_bias:
            self.w = nn.Parameter(torch.rand([2 * num_token - 1], dtype=torch.float))
        self.o = nn.Linear(self.e, out_token_dims, bias=bias)
        if attn_type == 'self-attn':
            self.uv = nn.Linear(in_token_dims, 2 * self.e + self.s, bias=bias)
            self.gamma = nn.Parameter(torch.rand((2, self.s)))
            self.beta = nn.Parameter(torch.rand((2, self.s)))
        else:
            self.uv = nn.Linear(in_token_dims, self.e + self.s, bias=bias)
            self.k_fc = nn.Linear(in_token_dims, self.s, bias=bias)
            self.v_fc = nn.Linear(in_token_dims, self.e, bias=bias)
            nn.init.xavier_uniform_(self.k_fc.weight)
            nn.init.xavier_uniform_(self.v_fc.weight)
        self.ln = ScaleNorm(in_token_dims, eps=eps)
        nn.init.xavier_uniform_(self.uv.weight)
        if act_fn in ('SiLU', nn.SiLU):
            self.act_fn = nn.SiLU(True)
        elif act_fn in ('ReLU', nn.ReLU):
            self.act_fn = nn.ReLU(True)
        else:
            raise NotImplementedError(f"RTMCCBlock: act_fn must be 'SiLU' or 'ReLU', got {act_fn!r}")
        self.shortcut = in_token_dims == out_token_dims
        if self.shortcut:
            self.res_scale = Scale(in_token_dims)
        self.sqrt_s = math.sqrt(s)
        self.dropout_rate = dropout_rate
        if dropout_rate > 0.:
            self.dropout = nn.Dropout(dropout_rate)

    def rel_pos_bias(self, seq_len: int) -> torch.Tensor:
        """(1, seq_len, seq_len): entry (i, j) is ``w[j - i + seq_len - 1]`` (Toeplitz)."""
        t = F.pad(self.w[:2 * seq_len - 1], [0, seq_len]).repeat(seq_len)
        t = t[..., :-seq_len].reshape(-1, seq_len, 3 * seq_len - 2)
        r = (2 * seq_len - 1) // 2
        return t[..., r:-r]

    def _forward(self, inputs):
        """The gated attention branch: (B, N, in) (or (x, k, v)) -> (B, N, out)."""
        if self.attn_type == 'self-attn':
            x = inputs
        else:
            x, k, v = inputs
        x = self.ln(x)
        uv = self.act_fn(self.uv(x))
        if self.attn_type == 'self-attn':
            u, v, base = torch.split(uv, [self.e, self.e, self.s], dim=2)  # (B, N, e), (B, N, e), (B, N, s)
            base = base.unsqueeze(2) * self.gamma[None, None, :] + self.beta  # (B, N, 2, s)
            if self.pos_enc:
                base = rope(base, dim=1)
            q, k = torch.unbind(base, dim=2)
        else:
            u, q = torch.split(uv, [self.e, self.s], dim=2)
            k, v = self.k_fc(k), self.v_fc(v)
            if self.pos_enc:
                q, k = rope(q, 1), rope(k, 1)
        qk = torch.bmm(q, k.permute(0, 2, 1))  # (B, N, N)
        if self.use_rel_bias:
            qk = qk + self.rel_pos_bias(q.size(1))[:, :q.size(1), :k.size(1)]
        kernel = torch.square(F.relu(qk / self.sqrt_s))
        if self.dropout_rate > 0.:
            kernel = self.dropout(kernel)
        return self.o(u * torch.bmm(kernel, v))

    def forward(self, x):
        """(B, N, in_token_dims), or (x, k, v) in cross attention -> (B, N, out_token_dims)."""
        branch = self.drop_path(self._forward(x))
        if not self.shortcut:
            return branch
        return self.res_scale(x[0] if self.attn_type == 'cross-attn' else x) + branch
