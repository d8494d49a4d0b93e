# Writes torch_realnvp.json for TestMatchesPyTorch: the weights of a small
# RealNVP of ../../shared/peers/flows_torch.py, a batch, and its mean NLL.
# Run from this directory: /usr/bin/python3 torch_realnvp.py
import json, os, sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '../../../shared/peers'))
import flows_torch as ft
torch.manual_seed(0)
D, L, H = 6, 3, 8
m = ft.RealNVP(dim=D, n_layers=L, hidden=H, zero_init=False).double()
x = torch.randn(40, D, dtype=torch.float64)
out = {"x": x.flatten().tolist(), "layers": []}
for lay in m.layers:
    ps = []
    for mod in lay.net:
        if isinstance(mod, torch.nn.Linear):
            ps.append({"w": mod.weight.detach().flatten().tolist(), "b": mod.bias.detach().flatten().tolist()})
    out["layers"].append(ps)
with torch.no_grad():
    out["loss"] = (-m.log_prob(x).mean()).item()
json.dump(out, open('torch_realnvp.json', 'w'))
print(out["loss"])
