"""Figures, one module per family. Each figure function takes data (a history, a network and
samples, an experiment's records) and returns a matplotlib Figure; matplotlib is imported
inside the functions with the Agg backend, so importing any of these modules costs nothing and
no window ever opens.

    style        palette, pyplot(), save() (PNG or SVG, atomically), png_bytes()
    curves       curves_figure: cost and accuracy per epoch
    boundary     boundary_figure: decision regions on 2-D inputs
    features     features_figure, features_gif: the hidden feature space (numbers in
                 glassnet.lab.features)
    weights      activations_figure, weights_figure
    confusion    confusion_figure (the counts in glassnet.lab.metrics)
    experiments  gradients_figure, compare_gd_figure, lr_range_figure
    report       build_report: a run as one self-contained HTML page

    from glassnet.viz.boundary import boundary_figure
    from glassnet.viz.style import save
    save(boundary_figure(net, X, y), "boundary.png")

Nothing is re-exported here: each function has one import path, which names its module.
"""
