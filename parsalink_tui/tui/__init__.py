"""The Textual front end: screens, widgets and styles. Only this package imports Textual."""
