#!/usr/bin/env python
"""Convenience wrapper; the installed console script `agora` does the same."""

from agora.manage import main

if __name__ == "__main__":
    main()
