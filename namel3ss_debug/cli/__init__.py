"""The command line: thin click shells over the library. Only this package exits or builds a Console."""
