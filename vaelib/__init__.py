"""vaelib: Variational Autoencoders on MNIST and Fashion-MNIST, measured honestly."""

import os

# OpenMP worker threads that go to sleep between the many small parallel regions of a training step pay a
# wake-up latency every time (about 25% of an MLP step at batch 128 on 2 cores). A bounded spin keeps them
# awake for a few milliseconds, then they sleep, so an idle process does not burn a core. libgomp reads this
# when torch is first imported: import vaelib before torch for it to apply. An explicit setting wins.
os.environ.setdefault("GOMP_SPINCOUNT", "10000000")

__version__ = "0.1.0"
