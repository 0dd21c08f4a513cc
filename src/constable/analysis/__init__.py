"""Analysis: crime trends, events on a grid, hotspot forecasters and their honest evaluation."""
