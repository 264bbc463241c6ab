#!/usr/bin/env python
"""Convenience wrapper; the installed command is `kaigong`."""

from kaigong.manage import main

if __name__ == "__main__":
    main()
