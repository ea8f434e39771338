"""Database backends of our own: Django's, with what the platform needs changed."""
