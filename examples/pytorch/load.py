import json, struct, sys, torch
from torch import nn
raw = open(sys.argv[1] if len(sys.argv) > 1 else "runs/mnist/model.safetensors", "rb").read(); n = struct.unpack("<Q", raw[:8])[0]
header = json.loads(raw[8:8 + n]); cfg = json.loads(header.pop("__metadata__")["wasm_vae.config"])
state = {k: torch.frombuffer(bytearray(raw[8 + n + v["data_offsets"][0]:8 + n + v["data_offsets"][1]]), dtype=torch.float32).reshape(v["shape"]) for k, v in header.items()}
ACT = {"identity": nn.Identity, "relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "softplus": nn.Softplus,
       "leaky_relu": lambda a: nn.LeakyReLU(a), "elu": lambda a: nn.ELU(a)}
def act(name, alpha): return ACT[name](alpha) if name in ("leaky_relu", "elu") else ACT[name]()
def sequential(layers, width):  # wasm-vae's layer list: Linear + activation, Dropout
    modules = []
    for i, l in enumerate(layers):
        if l["type"] == "dropout": modules.append(nn.Dropout(l["rate"])); continue
        name = l.get("activation", "identity" if i == len(layers) - 1 else cfg["activation"])
        alpha = l.get("alpha", cfg["activationAlpha"] if name == cfg["activation"] else 1.0 if name == "elu" else 0.01)
        modules += [nn.Linear(width, l["units"]), act(name, alpha)]; width = l["units"]
    return nn.Sequential(*modules)
dense = lambda widths: [{"type": "dense", "units": w} for w in widths]
encoder = (cfg["encoder"] if "encoder" in cfg else dense(cfg["hidden"])) + [{"type": "dense", "units": 2 * cfg["latentDim"]}]
decoder = cfg["decoder"] if "decoder" in cfg else dense(cfg["decoderHidden"] + [cfg["inputDim"]])
model = nn.ModuleDict({"encoder": sequential(encoder, cfg["inputDim"]), "decoder": sequential(decoder, cfg["latentDim"])}).eval()
model.load_state_dict(state)                                   # names and [out, in] layouts match
z = torch.tensor([[0.5, -1.0] + [0.0] * (cfg["latentDim"] - 2)])
print(json.dumps(torch.sigmoid(model["decoder"](z))[0, :8].tolist()))  # Bernoulli means of the decoded image
