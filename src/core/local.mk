# src/core rules
