"""RealNVP (Dinh et al., 2017): the normalising flow that RLE fits to its residual errors."""
import torch
from torch import distributions, nn


def _coupling_net(with_tanh: bool) -> nn.Sequential:
    """2 -> 64 -> 64 -> 2 perceptron of one affine coupling (tanh bounds the log-scale)."""
    layers = [nn.Linear(2, 64), nn.LeakyReLU(), nn.Linear(64, 64), nn.LeakyReLU(), nn.Linear(64, 2)]
    return nn.Sequential(*layers, nn.Tanh()) if with_tanh else nn.Sequential(*layers)


class RealNVP(nn.Module):
    """Density of 2-D points under six affine couplings over a standard normal.

    Coupling i keeps the coordinates where ``mask[i]`` is 1 and maps the others
    ``z = (x - t(x_kept)) * exp(-s(x_kept))``; the masks alternate [0, 1] and
    [1, 0]. State-dict keys are mmpose's (``loc``, ``cov``, ``mask``, ``s.i.j``,
    ``t.i.j``), so the flow of an mmpose RLE checkpoint loads.
    """

    def __init__(self):
        super().__init__()
        self.register_buffer('loc', torch.zeros(2))
        self.register_buffer('cov', torch.eye(2))
        self.register_buffer('mask', torch.tensor([[0, 1], [1, 0]] * 3, dtype=torch.float32))
        self.s = nn.ModuleList([_coupling_net(with_tanh=True) for _ in range(len(self.mask))])
        self.t = nn.ModuleList([_coupling_net(with_tanh=False) for _ in range(len(self.mask))])
        self.init_weights()

    def init_weights(self):
        """Near-identity start: tiny Xavier weights, so z ~ x and log|det| ~ 0."""
        for module in self.modules():
            if isinstance(module, nn.Linear):
                nn.init.xavier_uniform_(module.weight, gain=0.01)

    def to_latent(self, x: torch.Tensor):
        """Points (M, 2) -> latent z (M, 2) and log|det dz/dx| (M,), couplings in reverse order."""
        log_det, z = x.new_zeros(x.shape[0]), x
        for i in reversed(range(len(self.t))):
            keep = self.mask[i]
            z_kept = keep * z
            log_scale = self.s[i](z_kept) * (1 - keep)
            shift = self.t[i](z_kept) * (1 - keep)
            z = (1 - keep) * (z - shift) * torch.exp(-log_scale) + z_kept
            log_det = log_det - log_scale.sum(dim=1)
        return z, log_det

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """log density (M,) of points x (M, 2)."""
        z, log_det = self.to_latent(x)
        return distributions.MultivariateNormal(self.loc, self.cov).log_prob(z) + log_det
