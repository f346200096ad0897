import json, struct, sys, torch
from torch import nn
raw = open(sys.argv[1] if len(sys.argv) > 1 else "runs/mnist/model.safetensors", "rb").read(); n = struct.unpack("<Q", raw[:8])[0]
header = json.loads(raw[8:8 + n]); cfg = json.loads(header.pop("__metadata__")["wasm_vae.config"])
state = {k: torch.frombuffer(bytearray(raw[8 + n + v["data_offsets"][0]:8 + n + v["data_offsets"][1]]), dtype=torch.float32).reshape(v["shape"]) for k, v in header.items()}
ACT = {"identity": nn.Identity, "relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "softplus": nn.Softplus,
       "leaky_relu": lambda a: nn.LeakyReLU(a), "elu": lambda a: nn.ELU(a)}
def act(l, last):
    name = l.get("activation", "identity" if last else cfg["activation"])
    alpha = l.get("alpha", cfg["activationAlpha"] if name == cfg["activation"] else 1.0 if name == "elu" else 0.01)
    return ACT[name](alpha) if name in ("leaky_relu", "elu") else ACT[name]()
def sequential(layers, shape):  # wasm-vae's layer list; shape: [C, H, W] of image rows, or [width]
    modules = []
    for i, l in enumerate(layers):
        t, last, k, s, p = l["type"], i == len(layers) - 1, l.get("kernel"), l.get("stride", 1), l.get("padding", 0)
        if t == "dropout": modules.append(nn.Dropout(l["rate"]))
        elif t == "flatten": modules.append(nn.Flatten()); shape = [shape[0] * shape[1] * shape[2]]
        elif t == "reshape": modules.append(nn.Unflatten(1, l["shape"])); shape = l["shape"]
        elif t == "dense": modules += [nn.Linear(shape[0], l["units"]), act(l, last)]; shape = [l["units"]]
        elif t == "conv2d":
            modules += [nn.Conv2d(shape[0], l["filters"], k, s, p), act(l, last)]
            shape = [l["filters"]] + [(d + 2 * p - k) // s + 1 for d in shape[1:]]
        else:  # conv-transpose2d
            o = l.get("outputPadding", 0)
            modules += [nn.ConvTranspose2d(shape[0], l["filters"], k, s, p, o), act(l, last)]
            shape = [l["filters"]] + [(d - 1) * s - 2 * p + k + o for d in shape[1:]]
    return nn.Sequential(*modules)
dense = lambda widths: [{"type": "dense", "units": w} for w in widths]
encoder = (cfg["encoder"] if "encoder" in cfg else dense(cfg["hidden"])) + [{"type": "dense", "units": 2 * cfg["latentDim"]}]
decoder = cfg["decoder"] if "decoder" in cfg else dense(cfg["decoderHidden"] + [cfg["inputDim"]])
image = cfg.get("inputShape", [cfg["inputDim"]])
model = nn.ModuleDict({"encoder": sequential(encoder, image), "decoder": sequential(decoder, [cfg["latentDim"]])}).eval()
model.load_state_dict(state)                                   # names and layouts match
with torch.no_grad():
    z = torch.tensor([[0.5, -1.0] + [0.0] * (cfg["latentDim"] - 2)])
    decoded = torch.sigmoid(model["decoder"](z)).reshape(1, -1)  # Bernoulli means of the decoded image
    x = torch.linspace(0, 1, cfg["inputDim"]).reshape(1, *image)  # an input row, as images where the model takes them
    mean = model["encoder"](x)[0, :cfg["latentDim"]]               # the posterior mean of that row
step = max(1, cfg["inputDim"] // 8)                              # 8 values spread over the row (every channel)
print(json.dumps({"decoded": decoded[0, ::step][:8].tolist(), "mean": mean.tolist()}))
