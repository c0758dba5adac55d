# tests for the runtime area
