"""Train on a CSV with string labels, save, reload and predict original labels, in Python.

    python examples/csv_round_trip.py my.csv label

What `glassnet train my.csv --target label` does, spelled out with the public API: the
features are standardised by a first layer fitted on the training rows, and the class names
travel in the model's card, so the reloaded model predicts them. (`gn.run(gn.RunConfig(data=
path, target=target))` does all of this, and what `glassnet train` does besides, in one call.)
"""

import sys

import glassnet as gn
from glassnet import datasets

path, target = sys.argv[1], sys.argv[2]
data = datasets.load(path, target=target)
train, test = datasets.train_test_split(data.X_train, data.y_train, 0.2, seed=0)
X, y = data.X_train[train], data.y_train[train]
net = gn.Network(
    [gn.Standardize(*datasets.fit_standardizer(X)), gn.Dense(X.shape[1], 32), gn.ReLU(),
     gn.Dense(32, len(data.classes))],
    seed=0,
)  # fmt: skip
net.fit(X, y, loss="cross_entropy", optimizer=gn.Adam(0.003), epochs=200, batch_size=16,
        validation_fraction=0.1, early_stopping=True, patience=20)  # fmt: skip
net.card.classes, net.card.feature_names, net.card.target = data.classes, data.feature_names, target
net.save("csv_round_trip.glassnet")
again = gn.load("csv_round_trip.glassnet")
scores = again.evaluate(data.X_train[test], data.y_train[test])
labels = again.predict(data.X_train[test])  # the original class names
print(f"test accuracy {100 * scores['accuracy']:.1f} %; first predictions: {labels[:5].tolist()}")
