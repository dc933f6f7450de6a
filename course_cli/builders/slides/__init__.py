"""Slides: Marp decks of each lesson to HTML, PDF and PPTX."""
