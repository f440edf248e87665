"""The app's HTTP side: web chat page, NLG endpoint, health; later inbox and content."""
