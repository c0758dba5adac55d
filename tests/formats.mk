# tests for the formats area
