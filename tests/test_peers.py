"""sharpnb's curvature on models this project did not write, checked against PyHessian and curvlinops (issue #25): the same model,
data, loss and model.eval(); λ_max to 1e-3 relative, the trace within 3 standard errors. sharpnb is fed through a DataLoader."""
import importlib, math
import numpy as np
import pytest
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
from conftest import needs_fmnist
from sharpnb.curvature import hessian_report
from sharpnb.objective import objective, second_order

pyhessian = pytest.importorskip('pyhessian.hessian')       # test dependencies (sharpnb[dev]); a missing one skips, it does not pass
curvlinops = pytest.importorskip('curvlinops')

def _peers(model, loss, x, y, probes):
    "λ_max from PyHessian and curvlinops (ARPACK on its operator), and PyHessian's Hutchinson trace samples, on (x, y) in eval mode"
    from scipy.sparse.linalg import eigsh
    model.eval()
    ph = pyhessian.hessian(model, loss, data=(x, y), cuda=False)
    (lam_ph,), _ = ph.eigenvalues(maxIter=500, tol=1e-7, top_n=1)
    params = [p for p in model.parameters() if p.requires_grad]
    H = curvlinops.HessianLinearOperator(model, loss, params, [(x, y)])
    H = H.to_scipy() if hasattr(H, 'to_scipy') else H
    lam_cl = float(eigsh(H, k=1, which='LA', tol=1e-8, return_eigenvectors=False)[0])
    torch.manual_seed(0); tr = ph.trace(maxIter=probes, tol=0.)
    return lam_ph, lam_cl, np.asarray(tr, float)

def _agree(model, loss, x, y, data, loss_fn, probes=20, peer_model=None):
    ours = hessian_report(model, data=data, loss_fn=loss_fn, k=1, trace_samples=probes, tol=1e-7, seed=0)
    with second_order(): lam_ph, lam_cl, tr = _peers(peer_model or model, loss, x, y, probes)   # the peers' double backward too
    lam = ours['top_eigs'][0]
    assert abs(lam - lam_cl) <= 1e-3 * abs(lam_cl), (lam, lam_cl)
    assert abs(lam - lam_ph) <= 1e-3 * abs(lam_cl), (lam, lam_ph)
    se = math.hypot(ours['trace_se'], tr.std(ddof=1) / math.sqrt(len(tr)))
    assert abs(ours['trace'] - tr.mean()) <= 3 * se, (ours['trace'], tr.mean(), se)

def test_mse_regression_mlp():
    "A regression MLP with nn.MSELoss, float targets (N, 1); before #25 sharpnb's cross-entropy made every sharpness of it 0"
    torch.manual_seed(0)
    x = torch.randn(128, 8); y = (x[:, :1] * 2 - x[:, 1:2] ** 2 + 0.1 * torch.randn(128, 1))
    m = nn.Sequential(nn.Linear(8, 32), nn.Tanh(), nn.Linear(32, 1))
    opt = torch.optim.Adam(m.parameters(), 1e-2)
    for _ in range(200): opt.zero_grad(); nn.functional.mse_loss(m(x), y).backward(); opt.step()
    _agree(m, nn.MSELoss(), x, y, DataLoader(TensorDataset(x, y), batch_size=32), nn.MSELoss())

class TokenClassifier(nn.Module):
    "A small nn.TransformerEncoder classifier that takes its tokens as a keyword argument (dict batches)"
    def __init__(self, vocab=20, d=16, n_cls=3):
        super().__init__()
        self.emb = nn.Embedding(vocab, d)
        self.enc = nn.TransformerEncoder(nn.TransformerEncoderLayer(d, 2, 32, dropout=0.1, batch_first=True), 2, enable_nested_tensor=False)
        self.head = nn.Linear(d, n_cls)
    def forward(self, tokens): return self.head(self.enc(self.emb(tokens)).mean(1))

class _Positional(nn.Module):                 # the peers call model(x): the same network, fed its tokens positionally
    def __init__(self, m): super().__init__(); self.m = m
    def forward(self, t): return self.m(tokens=t)

def test_transformer_dict_batches():
    torch.manual_seed(0)
    toks = torch.randint(0, 20, (96, 6)); y = (toks[:, 0] % 3)
    m = TokenClassifier()
    opt = torch.optim.Adam(m.parameters(), 3e-3)
    for _ in range(100): opt.zero_grad(); nn.functional.cross_entropy(m(tokens=toks), y).backward(); opt.step()
    batches = [({'tokens': toks[i:i + 32]}, y[i:i + 32]) for i in range(0, 96, 32)]
    _agree(m, nn.CrossEntropyLoss(), toks, y, batches, None, probes=30, peer_model=_Positional(m))

@needs_fmnist
def test_resnet18_torchvision():
    "torchvision's ResNet-18 at 32×32×3: Fashion-MNIST rows padded by 2 and repeated to three channels (so stated); 16 rows keep CI short"
    torchvision = pytest.importorskip('torchvision')
    from sharpnb.data import load_data
    d = load_data('fashion-mnist', subset=16, seed=0)
    x = nn.functional.pad(d.prep(d.x_train), (2, 2, 2, 2)).repeat(1, 3, 1, 1); y = d.y_train
    torch.manual_seed(0); m = torchvision.models.resnet18(num_classes=10).eval()
    _agree(m, nn.CrossEntropyLoss(), x, y, DataLoader(TensorDataset(x, y), batch_size=8), None, probes=10)
