"""glassnet, PyTorch and scikit-learn behind one small interface, so every measurement treats
them alike.

A runner is built from the shared start (MNIST uint8 arrays and the initial weights), a batch
size and a recipe, and offers:

    train(n_samples, epochs, on_epoch_end=None)   train; call on_epoch_end(epoch) after each epoch
    predict(X_uint8) -> class ids                 inference on raw pixels, as a user would call it
    weights() -> [(W, b), ...]                    the current parameters, W (out, in)

A recipe is a dict in glassnet's `Trainer.config()` form plus the hidden widths: {"hidden",
"optimizer": {"name", "lr", ...}, "schedule": {"name", ...}, "epochs", "batch_size"}, and
optionally the matrix section's "activation" (relu, sigmoid, tanh, leaky_relu, identity),
"loss" (cross_entropy, squared_error, mse, binary_cross_entropy), "output" (None or sigmoid)
and "dtype" (float32, float64). The
784-256-128-10 network starts from the start file's weights; other widths from a He-uniform
draw made the same way for every framework. Every runner sees raw uint8 pixels and
scales them by 1/255 (glassnet with its Standardize(0, 255) layer, PyTorch one batch at a time,
scikit-learn, which cannot, on a float32 copy of the whole set made before timing).

torch and sklearn are imported inside the runners: they exist only in the peer venv.
"""

from __future__ import annotations

import math

import numpy as np

from mnist_data import he_uniform

HIDDEN = (256, 128)
PLAIN_SGD = {
    "hidden": list(HIDDEN),
    "optimizer": {
        "name": "sgd",
        "lr": 0.1,
        "momentum": 0.0,
        "nesterov": False,
        "weight_decay": 0.0,
    },
    "schedule": {"name": "constant"},
}
# glassnet draws each epoch's order as `net.rng.permutation(n)`; both glassnet and PyTorch get a
# fresh generator with this seed, so they visit the samples in the very same batches.
ORDER_SEED = 12345


def schedule_factor(schedule: dict, epoch: int) -> float:
    """glassnet's learning-rate factor at 0-based `epoch` (constant, step, cosine)."""
    name = schedule.get("name", "constant")
    if name == "step":
        return schedule["gamma"] ** (epoch // schedule["step"])
    if name == "cosine":
        floor = schedule.get("floor", 0.0)
        progress = min(epoch, schedule["epochs"]) / schedule["epochs"]
        return floor + 0.5 * (1 - floor) * (1 + math.cos(math.pi * progress))
    return 1.0


ACTIVATIONS = ("relu", "sigmoid", "tanh", "leaky_relu", "identity")


def glassnet_activation(gn, name: str):
    """glassnet's activation layer called `name` (ACTIVATIONS)."""
    kinds = {"relu": gn.ReLU, "sigmoid": gn.Sigmoid, "tanh": gn.Tanh, "identity": gn.Identity}
    return gn.LeakyReLU(0.01) if name == "leaky_relu" else kinds[name]()


class GlassnetRunner:
    """glassnet: Standardize(0, 255), then Dense and activation layers (ReLU unless the recipe
    names another), trained with `Network.fit`."""

    name = "glassnet"

    def __init__(self, start, batch_size, recipe=PLAIN_SGD):
        import glassnet as gn
        from glassnet.fast import step as fastpath

        fastpath.kernels()  # load the C kernels before timing, as torch is imported
        self.gn, self.recipe, self.batch_size = gn, recipe, batch_size
        self.X, self.y = start["X_train"], start["y_train"]
        weights = initial_weights(start, recipe)
        activation = recipe.get("activation", "relu")
        layers = [gn.Standardize(0, 255)]
        for W, _ in weights[:-1]:
            layers += [gn.Dense(W.shape[1], W.shape[0]), glassnet_activation(gn, activation)]
        layers.append(gn.Dense(weights[-1][0].shape[1], weights[-1][0].shape[0]))
        if recipe.get("output") == "sigmoid":
            layers.append(gn.Sigmoid())
        self.net = gn.Network(layers, seed=0, dtype=recipe.get("dtype", "float32"))
        for dense, (W, b) in zip(self.net.dense_layers, weights, strict=True):
            dense.W[...], dense.b[...] = W, b
        self.net.rng = np.random.default_rng(ORDER_SEED)

    def train(self, n_samples, epochs=1, on_epoch_end=None):
        """`epochs` epochs of `Network.fit` over the first n_samples training samples."""
        gn = self.gn

        def callback(event):
            if on_epoch_end is not None and event["event"] == "epoch":
                on_epoch_end(event["epoch"])

        self.net.fit(
            self.X[:n_samples],
            self.y[:n_samples],
            loss=self.recipe.get("loss", "cross_entropy"),
            optimizer=gn.optimizers.from_config(self.recipe["optimizer"]),
            schedule=gn.optimizers.schedule_from_config(self.recipe["schedule"]),
            epochs=epochs,
            batch_size=self.batch_size,
            callback=callback if on_epoch_end is not None else None,
        )

    def predict(self, X):
        return self.net.predict(X)

    def weights(self):
        return [(d.W, d.b) for d in self.net.dense_layers]


class TorchRunner:
    """PyTorch CPU: nn.Sequential of nn.Linear/nn.ReLU, fed the same index batches as glassnet."""

    name = "torch"

    def __init__(self, start, batch_size, recipe=PLAIN_SGD, threads=2):
        import torch

        torch.set_num_threads(threads)
        self.torch, self.recipe, self.batch_size = torch, recipe, batch_size
        self.dtype = getattr(torch, recipe.get("dtype", "float32"))
        self.X = torch.from_numpy(start["X_train"])
        self.y = torch.from_numpy(start["y_train"].astype(np.int64))
        self.loss = recipe.get("loss", "cross_entropy")
        if self.loss != "cross_entropy":  # the one-hot rows glassnet makes of class ids
            self.y = torch.nn.functional.one_hot(self.y, 10).to(self.dtype)
        self.model = torch_model(initial_weights(start, recipe), recipe).to(self.dtype)
        self.optimizer = torch_optimizer(self.model, recipe["optimizer"])
        self.rng = np.random.default_rng(ORDER_SEED)  # the generator glassnet is given
        self.epoch = 0

    def train(self, n_samples, epochs=1, on_epoch_end=None):
        """`epochs` epochs over the first n_samples samples, in glassnet's batch order."""
        for _ in range(epochs):
            self.set_lr()
            order = self.rng.permutation(n_samples)  # what glassnet's fit draws
            for idx in torch_index(order).split(self.batch_size):
                self.step(idx)
            self.epoch += 1
            if on_epoch_end is not None:
                on_epoch_end(self.epoch)

    def set_lr(self):
        base = self.recipe["optimizer"]["lr"]
        for group in self.optimizer.param_groups:
            group["lr"] = base * schedule_factor(self.recipe["schedule"], self.epoch)

    def step(self, idx):
        """One SGD step on the batch of sample indices `idx` (a LongTensor)."""
        x = self.X[idx].to(self.dtype).div_(255)
        loss = torch_loss(self.torch, self.loss, self.model(x), self.y[idx])
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()

    def predict(self, X):
        torch = self.torch
        with torch.inference_mode():
            x = torch.from_numpy(X).to(self.dtype).div_(255)
            return self.model(x).argmax(1).numpy()

    def weights(self):
        layers = [m for m in self.model if hasattr(m, "weight")]
        return [(m.weight.detach().numpy(), m.bias.detach().numpy()) for m in layers]


def torch_index(order):
    """A sample order as a LongTensor."""
    import torch

    return torch.from_numpy(np.ascontiguousarray(order, dtype=np.int64))


def torch_model(weights, recipe=PLAIN_SGD):
    """nn.Linear layers with the recipe's activation between (ReLU unless it names another)
    and its output activation, weights copied in (the same (out, in) layout)."""
    import torch
    from torch import nn

    kinds = {"relu": nn.ReLU, "sigmoid": nn.Sigmoid, "tanh": nn.Tanh, "identity": nn.Identity}
    activation = recipe.get("activation", "relu")

    def act():
        return nn.LeakyReLU(0.01) if activation == "leaky_relu" else kinds[activation]()

    linears = [nn.Linear(W.shape[1], W.shape[0]) for W, _ in weights]
    with torch.no_grad():
        for linear, (W, b) in zip(linears, weights, strict=True):
            linear.weight.copy_(torch.from_numpy(W))
            linear.bias.copy_(torch.from_numpy(b))
    layers = [m for linear in linears[:-1] for m in (linear, act())]
    output = [nn.Sigmoid()] if recipe.get("output") == "sigmoid" else []
    return nn.Sequential(*layers, linears[-1], *output)


def torch_loss(torch, name: str, out, target):
    """glassnet's loss `name` in PyTorch: each a batch mean of glassnet's per-sample cost."""
    F = torch.nn.functional
    if name == "cross_entropy":
        return F.cross_entropy(out, target)
    if name == "mse":
        return F.mse_loss(out, target)
    if name == "squared_error":
        return (out - target).pow(2).sum(1).mean()
    # binary_cross_entropy on a sigmoid output: PyTorch's own, summed over outputs
    return F.binary_cross_entropy(out, target, reduction="sum") / len(out)


def torch_optimizer(model, config):
    """The torch optimizer equal to glassnet's optimizer config (sgd, adam, adamw)."""
    import torch

    name, params = config["name"], model.parameters()
    if name == "sgd":
        return torch.optim.SGD(
            params,
            lr=config["lr"],
            momentum=config.get("momentum", 0.0),
            nesterov=config.get("nesterov", False),
            weight_decay=config.get("weight_decay", 0.0),
        )
    cls = {"adam": torch.optim.Adam, "adamw": torch.optim.AdamW}[name]
    return cls(
        params,
        lr=config["lr"],
        betas=tuple(config["betas"]),
        eps=config["eps"],
        weight_decay=config["weight_decay"],
    )


class SklearnRunner:
    """scikit-learn MLPClassifier(solver="sgd"), epochs by `partial_fit`.

    Same initial weights: a partial_fit on one batch creates coefs_ (in, out), which are then
    overwritten with the start's W.T and b. Its own batch order (it cannot be given one).
    """

    name = "sklearn"

    def __init__(self, start, batch_size, recipe=PLAIN_SGD):
        from sklearn.neural_network import MLPClassifier

        opt = recipe["optimizer"]
        if opt["name"] != "sgd" or recipe["schedule"].get("name", "constant") != "constant":
            raise ValueError("the scikit-learn runner only does SGD with a constant rate")
        self.X = start["X_train"].astype(np.float32) / np.float32(255)
        self.y = start["y_train"]
        self.clf = MLPClassifier(
            hidden_layer_sizes=tuple(recipe["hidden"]),
            activation="relu",
            solver="sgd",
            alpha=0.0,
            batch_size=batch_size,
            learning_rate="constant",
            learning_rate_init=opt["lr"],
            momentum=opt.get("momentum", 0.0),
            nesterovs_momentum=opt.get("nesterov", False),
            shuffle=True,
            random_state=0,
        )
        self.clf.partial_fit(self.X[:batch_size], self.y[:batch_size], classes=np.arange(10))
        for i, (W, b) in enumerate(initial_weights(start, recipe)):
            self.clf.coefs_[i][...] = W.T
            self.clf.intercepts_[i][...] = b

    def train(self, n_samples, epochs=1, on_epoch_end=None):
        """Each epoch is one partial_fit over the first n_samples samples (shuffled by sklearn)."""
        for epoch in range(1, epochs + 1):
            self.clf.partial_fit(self.X[:n_samples], self.y[:n_samples])
            if on_epoch_end is not None:
                on_epoch_end(epoch)

    def predict(self, X):
        return self.clf.predict(X.astype(np.float32) / np.float32(255))

    def weights(self):
        return [(W.T, b) for W, b in zip(self.clf.coefs_, self.clf.intercepts_, strict=True)]


RUNNERS = {r.name: r for r in (GlassnetRunner, TorchRunner, SklearnRunner)}
# glassnet's NumPy-only route: the same runner, in a process started with GLASSNET_KERNELS=0
RUNNERS["glassnet-numpy"] = GlassnetRunner
# glassnet held to one thread (OMP_NUM_THREADS=1), for the under-load section
RUNNERS["glassnet-1thread"] = GlassnetRunner


def initial_weights(start, recipe=PLAIN_SGD):
    """[(W1, b1), …]: the start file's for 784-256-128-10, else a He-uniform draw (seed 0)."""
    hidden = tuple(recipe.get("hidden", HIDDEN))
    weights = start if hidden == HIDDEN else he_uniform(0, (784, *hidden, 10))
    return [(weights[f"W{i}"], weights[f"b{i}"]) for i in range(1, len(hidden) + 2)]


def make_runner(name, start, batch_size, recipe=PLAIN_SGD):
    """A runner by framework name: glassnet, glassnet-numpy, torch or sklearn."""
    return RUNNERS[name](start, batch_size, recipe)
