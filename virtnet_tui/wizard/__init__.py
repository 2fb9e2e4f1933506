"""The question and field tables, and form logic, that both front ends read; no Textual."""
