# tests for the frontend area
