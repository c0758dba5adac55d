# src/runtime rules
