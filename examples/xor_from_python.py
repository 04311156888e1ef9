"""The default job in Python: a 2-3-1 network learns XOR from Gaussian clusters.

    python examples/xor_from_python.py

Uses only the public API: glassnet.datasets for the data, gn.Network to build, fit to train.
"""

import glassnet as gn
from glassnet import datasets

data = datasets.load("xor-clusters", seed=0)
net = gn.Network([gn.Dense(2, 3), gn.ReLU(), gn.Dense(3, 1), gn.Sigmoid()], seed=0)
history = net.fit(
    data.X_train, data.y_train, loss="binary_cross_entropy", optimizer=gn.Adam(0.05),
    epochs=100, batch_size=32,
)  # fmt: skip
scores = net.evaluate(data.X_test, data.y_test)
print(net)
print(f"test accuracy {100 * scores['accuracy']:.1f} % after {len(history)} epochs "
      f"({history.seconds[-1]:.2f} s)")  # fmt: skip
for i, layer in enumerate(net.dense_layers, start=1):
    print(f"layer {i}: [W | b] =\n{layer.Wb.round(3)}")
