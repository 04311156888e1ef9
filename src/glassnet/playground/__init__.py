"""The playground: a browser page where a network trains in front of you (`glassnet
playground`), and every number is one click away.

    state.py      Settings: everything a page chooses, bounded, as the URL's parameters
    data.py       the data sets (XOR, circles, moons, spirals, blobs, regression) and uploads
    session.py    Session: one browser's network, trained by glassnet's Trainer in chunks
    glassbox.py   a unit's equation, a weight's gradients, a sample's trace (glassnet.teach)
    pictures.py   one frame: surfaces, weights, curves, the feature space, the diagnosis
    protocol.py   the WebSocket messages and their handlers
    export.py     the downloads: the model file and the run's HTML report
    server.py     the aiohttp server: the page, the sessions, the guards of a classroom
    static/       the page itself (HTML, CSS, JavaScript; no library, no CDN)

The server needs aiohttp (pip install 'glassnet[playground]'); nothing here is imported by
`import glassnet`.
"""
