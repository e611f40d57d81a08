"""vaelib: Variational Autoencoders on MNIST and Fashion-MNIST, measured honestly."""

__version__ = "0.1.0"
