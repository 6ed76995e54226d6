"""The version of clfdiag, in a module of its own.

Every report carries it; keeping it apart from the package's ``__init__`` lets
the modules below the API read it without importing the package itself.
"""

__version__ = "0.1.0"
