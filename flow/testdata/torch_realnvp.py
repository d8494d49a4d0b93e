# Writes torch_realnvp.json for TestMatchesPyTorch: the weights of a small
# RealNVP of bench/peers/peers.py (PyTorch), a batch, and its mean NLL.
# Run from this directory: /usr/bin/python3 torch_realnvp.py
import json
import os
import sys

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "bench", "peers"))
import peers

RealNVP, _ = peers.torch_models(torch)
torch.manual_seed(0)
D, L, H = 6, 3, 8
m = RealNVP(dim=D, layers=L, hidden=H).double()
x = torch.randn(40, D, dtype=torch.float64)
out = {"x": x.flatten().tolist(), "layers": []}
for layer in m.layers:
    out["layers"].append([{"w": mod.weight.detach().flatten().tolist(), "b": mod.bias.detach().flatten().tolist()}
                          for mod in layer.net if isinstance(mod, torch.nn.Linear)])
with torch.no_grad():
    out["loss"] = (-m.log_prob(x).mean()).item()
with open("torch_realnvp.json", "w") as f:
    json.dump(out, f)
print(out["loss"])
