"""The content editor: a web app where content staff edit, review and publish answers."""
