"""The scripted demonstration behind `renkei demo`."""
