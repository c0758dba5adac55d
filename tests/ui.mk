# tests for the ui area
