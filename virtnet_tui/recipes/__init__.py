"""Recipes: turn answers and host facts into the stages of a plan."""
