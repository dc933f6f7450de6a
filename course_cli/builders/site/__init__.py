"""The static site: lesson pages, the book page, assets, links and the search index."""
